/// The collector's own part of its OpenAPI 3.1 document (ServiceKit's `OpenAPIDocument.assemble` adds the
/// operational routes and the error body), served at `GET /openapi.json`. A test holds it to the router.
enum CollectorOpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "observ-collector",
    "version": "1.0.0",
    "description": "Takes batches of events from the services (ingest keys), stores them with group commit, and answers a tenant admin's queries (access tokens from the auth service). Errors always have the body `{\"error\": {\"code\", \"message\", \"request_id\", \"details\"?}}`; every response carries `X-Request-ID`."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:8083"
    }
  ],
  "paths": {
    "/v1/events": {
      "post": {
        "summary": "Ingest events. Answered 202 only once they are committed; an invalid event rejects the whole request (every invalid event named in `details`, up to 100) and stores nothing; events over their tenant's quota are dropped and counted in `dropped`. A batch sent again under an `Idempotency-Key` committed in the last 24 hours is answered as the first time and not stored again",
        "operationId": "ingest",
        "parameters": [
          {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "description": "The sender's id for this batch (1 to 128 printable ASCII characters, no spaces), the same on every retry of it; scoped to the ingest key's service",
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 128,
              "pattern": "^[!-~]+$"
            }
          }
        ],
        "responses": {
          "202": {
            "description": "Stored (or, for a repeated `Idempotency-Key`, stored before: the first answer again)",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "accepted",
                    "dropped"
                  ],
                  "properties": {
                    "accepted": {
                      "type": "integer"
                    },
                    "dropped": {
                      "type": "integer",
                      "description": "Events over their tenant's ingest quota (`TENANT_EVENT_RATE`), not stored"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "description": "No, or an unknown, ingest key",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Over 10 MiB or over 10,000 events",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "503": {
            "description": "The queue is full or the collector is stopping: retry after `Retry-After` seconds",
            "headers": {
              "Retry-After": {
                "schema": {
                  "type": "integer"
                }
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "ingestKey": []
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": [
                  "events"
                ],
                "properties": {
                  "events": {
                    "type": "array",
                    "maxItems": 10000,
                    "items": {
                      "$ref": "#/components/schemas/IngestEvent"
                    }
                  }
                }
              }
            },
            "application/x-ndjson": {
              "schema": {
                "type": "string",
                "description": "One IngestEvent JSON object a line"
              }
            }
          }
        }
      }
    },
    "/v1/logs/requests": {
      "get": {
        "summary": "The tenant's request events, newest first (admin)",
        "operationId": "requestLogs",
        "responses": {
          "200": {
            "description": "A page of events",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventPage"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/cursor"
          },
          {
            "$ref": "#/components/parameters/from"
          },
          {
            "$ref": "#/components/parameters/to"
          },
          {
            "$ref": "#/components/parameters/status"
          },
          {
            "$ref": "#/components/parameters/method"
          },
          {
            "$ref": "#/components/parameters/path"
          },
          {
            "$ref": "#/components/parameters/user_id"
          },
          {
            "$ref": "#/components/parameters/service"
          },
          {
            "$ref": "#/components/parameters/request_id"
          },
          {
            "$ref": "#/components/parameters/trace_id"
          }
        ]
      }
    },
    "/v1/logs/errors": {
      "get": {
        "summary": "The tenant's error events, newest first (admin)",
        "operationId": "errorLogs",
        "responses": {
          "200": {
            "description": "A page of events",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventPage"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/cursor"
          },
          {
            "$ref": "#/components/parameters/from"
          },
          {
            "$ref": "#/components/parameters/to"
          },
          {
            "$ref": "#/components/parameters/status"
          },
          {
            "$ref": "#/components/parameters/method"
          },
          {
            "$ref": "#/components/parameters/path"
          },
          {
            "$ref": "#/components/parameters/user_id"
          },
          {
            "$ref": "#/components/parameters/service"
          },
          {
            "$ref": "#/components/parameters/request_id"
          },
          {
            "$ref": "#/components/parameters/trace_id"
          }
        ]
      }
    },
    "/v1/logs/audit": {
      "get": {
        "summary": "The tenant's audit events (the auth service's security-relevant actions), newest first (admin)",
        "operationId": "auditLogs",
        "responses": {
          "200": {
            "description": "A page of events",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventPage"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/cursor"
          },
          {
            "$ref": "#/components/parameters/from"
          },
          {
            "$ref": "#/components/parameters/to"
          },
          {
            "$ref": "#/components/parameters/action"
          },
          {
            "$ref": "#/components/parameters/outcome"
          },
          {
            "$ref": "#/components/parameters/actor_id"
          },
          {
            "$ref": "#/components/parameters/subject_id"
          }
        ]
      }
    },
    "/v1/traces/{trace_id}": {
      "get": {
        "summary": "Every event of one of the tenant's traces, across services, oldest first (admin); the first 1,000",
        "operationId": "trace",
        "responses": {
          "200": {
            "description": "The trace's events",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Trace"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ],
        "parameters": [
          {
            "name": "trace_id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "A W3C trace id (32 lower-case hex digits); any other text names no trace (404)"
          }
        ]
      }
    },
    "/v1/stats": {
      "get": {
        "summary": "Per service and route over the window: count, 5xx count, p50/p95/p99 duration (nearest rank), for the tenant (admin)",
        "operationId": "stats",
        "responses": {
          "200": {
            "description": "Statistics",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Stats"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ],
        "parameters": [
          {
            "name": "window",
            "in": "query",
            "schema": {
              "type": "string",
              "enum": [
                "15m",
                "1h",
                "24h"
              ],
              "default": "1h"
            }
          }
        ]
      }
    },
    "/v1/stats/series": {
      "get": {
        "summary": "The tenant's requests over the window in steps (aligned to the step; the last holds now): per step, count, 5xx count, p50/p95/p99 duration (nearest rank; absent for a step without requests), optionally of one service and route (admin)",
        "operationId": "statsSeries",
        "responses": {
          "200": {
            "description": "A series",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Series"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ],
        "parameters": [
          {
            "name": "window",
            "in": "query",
            "schema": {
              "type": "string",
              "enum": [
                "15m",
                "1h",
                "24h"
              ],
              "default": "1h"
            }
          },
          {
            "name": "step",
            "in": "query",
            "schema": {
              "type": "string",
              "enum": [
                "1m",
                "5m",
                "1h"
              ],
              "default": "1m"
            },
            "description": "Not longer than the window"
          },
          {
            "$ref": "#/components/parameters/service"
          },
          {
            "name": "route",
            "in": "query",
            "schema": {
              "type": "string",
              "maxLength": 2048,
              "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
            },
            "description": "A route template (`/v1/posts/{id}`), or the path of events sent without one"
          }
        ]
      }
    },
    "/v1/alerts": {
      "get": {
        "summary": "The tenant's alert conditions (a service's 5xx share over 1 %, a route's p99 over 300 ms) that hold on its requests of the last 5 minutes (admin)",
        "operationId": "alerts",
        "responses": {
          "200": {
            "description": "The conditions and those that hold",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Alerts"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ]
      }
    },
    "/dashboard": {
      "get": {
        "summary": "The tenant dashboard page (HTML; its script and style at /dashboard/dashboard.js and /dashboard/dashboard.css): a tenant admin signs in at the auth service and sees the tenant's traffic, errors, traces, audit trail and alerts",
        "operationId": "dashboard",
        "security": [],
        "responses": {
          "200": {
            "description": "The page, with a strict Content-Security-Policy",
            "content": {
              "text/html": {
                "schema": {
                  "type": "string"
                }
              }
            }
          }
        }
      }
    }
  },
  "components": {
    "responses": {
      "Forbidden": {
        "description": "The caller is not an admin of the tenant",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "NotFound": {
        "description": "No such trace in the caller's tenant",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      }
    },
    "parameters": {
      "limit": {
        "name": "limit",
        "in": "query",
        "schema": {
          "type": "integer",
          "minimum": 1,
          "maximum": 100,
          "default": 20
        }
      },
      "cursor": {
        "name": "cursor",
        "in": "query",
        "schema": {
          "type": "string",
          "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
        },
        "description": "`next_cursor` of the previous page"
      },
      "from": {
        "name": "from",
        "in": "query",
        "schema": {
          "type": "string",
          "format": "date-time"
        },
        "description": "Events at or after this `ts`"
      },
      "to": {
        "name": "to",
        "in": "query",
        "schema": {
          "type": "string",
          "format": "date-time"
        },
        "description": "Events before this `ts`"
      },
      "status": {
        "name": "status",
        "in": "query",
        "schema": {
          "type": "string",
          "pattern": "^([1-5][0-9][0-9]|[1-5][xX][xX])$"
        },
        "description": "A status (`404`) or a class (`5xx`)"
      },
      "method": {
        "name": "method",
        "in": "query",
        "schema": {
          "type": "string",
          "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
          "maxLength": 16
        }
      },
      "path": {
        "name": "path",
        "in": "query",
        "schema": {
          "type": "string",
          "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
          "maxLength": 2048
        },
        "description": "The exact raw path"
      },
      "user_id": {
        "name": "user_id",
        "in": "query",
        "schema": {
          "type": "string",
          "format": "uuid"
        }
      },
      "service": {
        "name": "service",
        "in": "query",
        "schema": {
          "type": "string",
          "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
          "maxLength": 64
        }
      },
      "request_id": {
        "name": "request_id",
        "in": "query",
        "schema": {
          "type": "string",
          "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
          "maxLength": 128
        }
      },
      "trace_id": {
        "name": "trace_id",
        "in": "query",
        "schema": {
          "type": "string",
          "pattern": "^[0-9a-f]{32}$"
        },
        "description": "The events of one trace (W3C trace id)"
      },
      "action": {
        "name": "action",
        "in": "query",
        "schema": {
          "type": "string",
          "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
          "maxLength": 64
        },
        "description": "An audit action, such as `login.failed`"
      },
      "outcome": {
        "name": "outcome",
        "in": "query",
        "schema": {
          "type": "string",
          "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
          "maxLength": 32
        },
        "description": "`success` or `failure`"
      },
      "actor_id": {
        "name": "actor_id",
        "in": "query",
        "schema": {
          "type": "string",
          "format": "uuid"
        },
        "description": "Who acted"
      },
      "subject_id": {
        "name": "subject_id",
        "in": "query",
        "schema": {
          "type": "string",
          "format": "uuid"
        },
        "description": "Whom the action was about"
      }
    },
    "securitySchemes": {
      "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A tenant admin's access token"
      },
      "ingestKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A key of INGEST_KEYS"
      }
    },
    "schemas": {
      "EventFields": {
        "type": "object",
        "properties": {
          "type": {
            "type": "string",
            "enum": [
              "request",
              "error",
              "audit"
            ]
          },
          "ts": {
            "type": "string",
            "format": "date-time"
          },
          "service": {
            "type": "string",
            "description": "Must be the ingest key's service",
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          },
          "tenant_id": {
            "type": "string",
            "format": "uuid"
          },
          "user_id": {
            "type": "string",
            "format": "uuid"
          },
          "request_id": {
            "type": "string",
            "maxLength": 128,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          },
          "method": {
            "type": "string",
            "maxLength": 16,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
            "minLength": 1
          },
          "path": {
            "type": "string",
            "maxLength": 2048,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
            "minLength": 1
          },
          "route": {
            "type": "string",
            "maxLength": 256,
            "description": "The route template (`/v1/posts/{id}`), the label of the per-tenant metrics",
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          },
          "status": {
            "type": "integer",
            "minimum": 100,
            "maximum": 599
          },
          "duration_ms": {
            "type": "number",
            "minimum": 0,
            "maximum": 86400000,
            "description": "0 to 86,400,000 (a day)"
          },
          "client_ip": {
            "type": "string",
            "maxLength": 64,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          },
          "user_agent": {
            "type": "string",
            "maxLength": 512,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          },
          "level": {
            "type": "string",
            "maxLength": 16,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          },
          "message": {
            "type": "string",
            "maxLength": 4096,
            "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
            "minLength": 1
          },
          "error_type": {
            "type": "string",
            "maxLength": 256,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          },
          "trace_id": {
            "type": "string",
            "pattern": "^[0-9a-f]{32}$",
            "description": "W3C trace id"
          },
          "span_id": {
            "type": "string",
            "pattern": "^[0-9a-f]{16}$",
            "description": "W3C span (parent) id"
          },
          "action": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
            "description": "What an audit event records, such as `login.succeeded`"
          },
          "outcome": {
            "type": "string",
            "minLength": 1,
            "maxLength": 32,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
            "description": "`success` or `failure`"
          },
          "actor_id": {
            "type": "string",
            "format": "uuid",
            "description": "Who acted"
          },
          "subject_id": {
            "type": "string",
            "format": "uuid",
            "description": "Whom the action was about"
          },
          "reason": {
            "type": "string",
            "maxLength": 128,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
            "description": "Why an action failed (a code)"
          }
        }
      },
      "IngestEvent": {
        "allOf": [
          {
            "$ref": "#/components/schemas/EventFields"
          },
          {
            "required": [
              "type",
              "ts",
              "service"
            ]
          }
        ],
        "description": "A `request` event needs method, path, status and duration_ms; an `error` event needs message; an `audit` event needs action and outcome. Unknown fields are ignored."
      },
      "Event": {
        "allOf": [
          {
            "$ref": "#/components/schemas/EventFields"
          },
          {
            "type": "object",
            "required": [
              "id",
              "type",
              "ts",
              "received_at",
              "service"
            ],
            "properties": {
              "id": {
                "type": "string",
                "description": "Opaque"
              },
              "received_at": {
                "type": "string",
                "format": "date-time"
              }
            }
          }
        ]
      },
      "EventPage": {
        "type": "object",
        "required": [
          "items",
          "next_cursor"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Event"
            }
          },
          "next_cursor": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "Stats": {
        "type": "object",
        "required": [
          "window",
          "from",
          "to",
          "items"
        ],
        "properties": {
          "window": {
            "type": "string"
          },
          "from": {
            "type": "string",
            "format": "date-time"
          },
          "to": {
            "type": "string",
            "format": "date-time"
          },
          "items": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "service",
                "route",
                "count",
                "error_count",
                "p50_ms",
                "p95_ms",
                "p99_ms"
              ],
              "properties": {
                "service": {
                  "type": "string"
                },
                "route": {
                  "type": "string"
                },
                "count": {
                  "type": "integer"
                },
                "error_count": {
                  "type": "integer",
                  "description": "Requests answered with a 5xx"
                },
                "p50_ms": {
                  "type": "number"
                },
                "p95_ms": {
                  "type": "number"
                },
                "p99_ms": {
                  "type": "number"
                }
              }
            }
          }
        }
      },
      "Trace": {
        "type": "object",
        "required": [
          "trace_id",
          "items"
        ],
        "properties": {
          "trace_id": {
            "type": "string"
          },
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Event"
            }
          }
        }
      },
      "Series": {
        "type": "object",
        "required": [
          "window",
          "step",
          "from",
          "to",
          "items"
        ],
        "properties": {
          "window": {
            "type": "string"
          },
          "step": {
            "type": "string"
          },
          "service": {
            "type": "string"
          },
          "route": {
            "type": "string"
          },
          "from": {
            "type": "string",
            "format": "date-time"
          },
          "to": {
            "type": "string",
            "format": "date-time"
          },
          "items": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "start",
                "count",
                "error_count"
              ],
              "properties": {
                "start": {
                  "type": "string",
                  "format": "date-time"
                },
                "count": {
                  "type": "integer"
                },
                "error_count": {
                  "type": "integer",
                  "description": "Requests answered with a 5xx"
                },
                "p50_ms": {
                  "type": "number"
                },
                "p95_ms": {
                  "type": "number"
                },
                "p99_ms": {
                  "type": "number"
                }
              }
            }
          }
        }
      },
      "Alerts": {
        "type": "object",
        "required": [
          "evaluated_at",
          "window",
          "rules",
          "firing"
        ],
        "properties": {
          "evaluated_at": {
            "type": "string",
            "format": "date-time"
          },
          "window": {
            "type": "string"
          },
          "rules": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "name",
                "description",
                "threshold"
              ],
              "properties": {
                "name": {
                  "type": "string"
                },
                "description": {
                  "type": "string"
                },
                "threshold": {
                  "type": "number"
                }
              }
            }
          },
          "firing": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "alert",
                "service",
                "value",
                "threshold",
                "summary"
              ],
              "properties": {
                "alert": {
                  "type": "string"
                },
                "service": {
                  "type": "string"
                },
                "route": {
                  "type": "string"
                },
                "value": {
                  "type": "number"
                },
                "threshold": {
                  "type": "number"
                },
                "summary": {
                  "type": "string"
                }
              }
            }
          }
        }
      }
    }
  }
}
"""#
}
