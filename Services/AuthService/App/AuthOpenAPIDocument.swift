/// The auth service's own part of its OpenAPI 3.1 document (ServiceKit's `OpenAPIDocument.assemble` adds the
/// operational routes and the error body), served at `GET /openapi.json`. A test holds it to the router:
/// every route is documented and every documented route exists.
enum AuthOpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "auth-service",
    "version": "1.0.0",
    "description": "Tenants, users and roles; password login; ES256 access tokens and rotating refresh tokens; the JWKS and revocation list that other services verify tokens with. Errors always have the body `{\"error\": {\"code\", \"message\", \"request_id\", \"details\"?}}`; every response carries `X-Request-ID`."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:8081"
    }
  ],
  "paths": {
    "/v1/tenants": {
      "post": {
        "summary": "Sign up: create a tenant and its first admin in one transaction (rate limited per client address and per admin email)",
        "operationId": "signUp",
        "responses": {
          "201": {
            "description": "The tenant and its admin",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "tenant",
                    "user"
                  ],
                  "properties": {
                    "tenant": {
                      "$ref": "#/components/schemas/Tenant"
                    },
                    "user": {
                      "$ref": "#/components/schemas/User"
                    }
                  }
                }
              }
            },
            "headers": {
              "Location": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "409": {
            "description": "The slug is taken",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "429": {
            "description": "Too many attempts: from this client address, for this account, tenant or user (`Retry-After`)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "headers": {
              "Retry-After": {
                "schema": {
                  "type": "integer"
                },
                "description": "Seconds to wait"
              }
            }
          }
        },
        "security": [],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SignUpRequest"
              }
            }
          }
        }
      }
    },
    "/v1/tenants/current": {
      "get": {
        "summary": "The caller's tenant",
        "operationId": "currentTenant",
        "responses": {
          "200": {
            "description": "The tenant",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Tenant"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ]
      }
    },
    "/v1/auth/register": {
      "post": {
        "summary": "Register into an existing tenant with role `user`",
        "operationId": "register",
        "responses": {
          "201": {
            "description": "The new user",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/User"
                }
              }
            },
            "headers": {
              "Location": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "description": "No tenant with this slug",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "The email exists in this tenant",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "429": {
            "description": "Too many attempts: from this client address, for this account, tenant or user (`Retry-After`)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "headers": {
              "Retry-After": {
                "schema": {
                  "type": "integer"
                },
                "description": "Seconds to wait"
              }
            }
          }
        },
        "security": [],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RegisterRequest"
              }
            }
          }
        }
      }
    },
    "/v1/auth/login": {
      "post": {
        "summary": "Log in with a password (rate limited per client address and per account)",
        "operationId": "login",
        "responses": {
          "200": {
            "description": "A new session",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Tokens"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "description": "Wrong password, unknown email, unknown tenant or inactive user: always the same answer",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "429": {
            "description": "Too many attempts: from this client address, for this account, tenant or user (`Retry-After`)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "headers": {
              "Retry-After": {
                "schema": {
                  "type": "integer"
                },
                "description": "Seconds to wait"
              }
            }
          }
        },
        "security": [],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/LoginRequest"
              }
            }
          }
        }
      }
    },
    "/v1/auth/refresh": {
      "post": {
        "summary": "Exchange a refresh token for a new pair (rotation). A token presented again after its rotation revokes its whole family (401), except within `REFRESH_REUSE_GRACE`",
        "operationId": "refresh",
        "responses": {
          "200": {
            "description": "A new pair",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Tokens"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "description": "Unknown, expired, revoked or reused refresh token, or an inactive user",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          }
        },
        "security": [],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RefreshRequest"
              }
            }
          }
        }
      }
    },
    "/v1/auth/logout": {
      "post": {
        "summary": "End the session of a refresh token: its family is revoked. An unknown token is accepted too",
        "operationId": "logout",
        "responses": {
          "204": {
            "description": "Logged out"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          }
        },
        "security": [],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RefreshRequest"
              }
            }
          }
        }
      }
    },
    "/v1/auth/logout-all": {
      "post": {
        "summary": "End every session of the caller: refresh tokens revoked, access tokens cut off through the revocation list",
        "operationId": "logoutAll",
        "responses": {
          "204": {
            "description": "Logged out everywhere"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ]
      }
    },
    "/v1/auth/me": {
      "get": {
        "summary": "The caller",
        "operationId": "me",
        "responses": {
          "200": {
            "description": "The caller",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/User"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ]
      }
    },
    "/v1/users": {
      "get": {
        "summary": "The tenant's users in creation order (admin)",
        "operationId": "listUsers",
        "responses": {
          "200": {
            "description": "A page of users",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/UserPage"
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
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 100,
              "default": 20
            }
          },
          {
            "name": "cursor",
            "in": "query",
            "schema": {
              "type": "string",
              "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
            },
            "description": "`next_cursor` of the previous page"
          },
          {
            "name": "role",
            "in": "query",
            "schema": {
              "$ref": "#/components/schemas/Role"
            }
          },
          {
            "name": "q",
            "in": "query",
            "schema": {
              "type": "string",
              "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
              "maxLength": 200
            },
            "description": "Part of the name or email, case-insensitive; at most 200 characters, no control characters"
          }
        ]
      },
      "post": {
        "summary": "Create a user of any role in the tenant (admin)",
        "operationId": "createUser",
        "responses": {
          "201": {
            "description": "The new user",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/User"
                }
              }
            },
            "headers": {
              "Location": {
                "schema": {
                  "type": "string"
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
          },
          "409": {
            "description": "The email exists in this tenant",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CreateUserRequest"
              }
            }
          }
        }
      }
    },
    "/v1/users/{id}": {
      "get": {
        "summary": "A user (admin, or the user themself)",
        "operationId": "getUser",
        "responses": {
          "200": {
            "description": "The user",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/User"
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
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      },
      "patch": {
        "summary": "Change a user. An admin may change `name`, `role` and `is_active`; the user may change `name`, and `password` with `current_password`. A role change, a deactivation and a password change cut off the user's sessions",
        "operationId": "updateUser",
        "responses": {
          "200": {
            "description": "The user as changed",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/User"
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
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "description": "It would leave the tenant with no active admin, or an admin would deactivate themself",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "429": {
            "description": "Too many attempts: from this client address, for this account, tenant or user (`Retry-After`)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "headers": {
              "Retry-After": {
                "schema": {
                  "type": "integer"
                },
                "description": "Seconds to wait"
              }
            }
          }
        },
        "security": [
          {
            "bearerAuth": []
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/UpdateUserRequest"
              }
            }
          }
        },
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ],
        "description": "A wrong `current_password` is a 400 naming it; password changes are rate limited per user, wrong or right."
      },
      "delete": {
        "summary": "Deactivate a user (admin); their sessions are cut off",
        "operationId": "deactivateUser",
        "responses": {
          "204": {
            "description": "Deactivated (also when already inactive)"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "description": "The last active admin, or the caller themself",
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
            "bearerAuth": []
          }
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/.well-known/jwks.json": {
      "get": {
        "summary": "The public keys that verify access tokens (ES256)",
        "operationId": "jwks",
        "responses": {
          "200": {
            "description": "A JWK Set",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JWKSet"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/.well-known/revocations": {
      "get": {
        "summary": "Users whose tokens issued before `not_before` are cut off, during the last access-token lifetime",
        "operationId": "revocations",
        "responses": {
          "200": {
            "description": "The revocation list",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Revocations"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          }
        },
        "security": [],
        "parameters": [
          {
            "name": "since",
            "in": "query",
            "schema": {
              "type": "string",
              "pattern": "^[0-9]{1,18}$"
            },
            "description": "The `cursor` of the previous answer: only the cut-offs recorded after it. Without it, the list from its beginning (`full`)."
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000,
              "default": 1000
            }
          }
        ]
      }
    }
  },
  "components": {
    "responses": {
      "Forbidden": {
        "description": "The caller's role does not allow it",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "NotFound": {
        "description": "No such resource in the caller's tenant",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "RateLimited": {
        "description": "Too many attempts from this client address or for this account",
        "headers": {
          "Retry-After": {
            "schema": {
              "type": "integer"
            },
            "description": "Seconds to wait"
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
    "securitySchemes": {
      "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT"
      }
    },
    "schemas": {
      "Role": {
        "type": "string",
        "enum": [
          "admin",
          "moderator",
          "user"
        ]
      },
      "Tenant": {
        "type": "object",
        "required": [
          "id",
          "slug",
          "name",
          "created_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "slug": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "User": {
        "type": "object",
        "required": [
          "id",
          "tenant_id",
          "email",
          "name",
          "role",
          "is_active",
          "created_at",
          "updated_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "tenant_id": {
            "type": "string",
            "format": "uuid"
          },
          "email": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "role": {
            "$ref": "#/components/schemas/Role"
          },
          "is_active": {
            "type": "boolean"
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          },
          "updated_at": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "UserPage": {
        "type": "object",
        "required": [
          "items",
          "next_cursor"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/User"
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
      "Password": {
        "type": "string",
        "minLength": 8,
        "maxLength": 128,
        "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
      },
      "SignUpRequest": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "slug",
          "name",
          "admin"
        ],
        "properties": {
          "slug": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"
          },
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          },
          "admin": {
            "type": "object",
            "required": [
              "email",
              "password",
              "name"
            ],
            "properties": {
              "email": {
                "type": "string",
                "pattern": "^[^@\\s\\u0000-\\u001F\\u007F-\\u009F]+@[^@\\s.\\u0000-\\u001F\\u007F-\\u009F][^@\\s\\u0000-\\u001F\\u007F-\\u009F]*\\.[^@\\s\\u0000-\\u001F\\u007F-\\u009F]*[^@\\s.\\u0000-\\u001F\\u007F-\\u009F]$",
                "minLength": 3,
                "maxLength": 254,
                "description": "local@domain.tld: one `@`, a dot in the domain, no spaces or control characters"
              },
              "password": {
                "$ref": "#/components/schemas/Password"
              },
              "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
              }
            }
          }
        }
      },
      "RegisterRequest": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "tenant",
          "email",
          "password",
          "name"
        ],
        "properties": {
          "tenant": {
            "type": "string",
            "description": "The tenant's slug",
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
            "minLength": 1,
            "maxLength": 63
          },
          "email": {
            "type": "string",
            "pattern": "^[^@\\s\\u0000-\\u001F\\u007F-\\u009F]+@[^@\\s.\\u0000-\\u001F\\u007F-\\u009F][^@\\s\\u0000-\\u001F\\u007F-\\u009F]*\\.[^@\\s\\u0000-\\u001F\\u007F-\\u009F]*[^@\\s.\\u0000-\\u001F\\u007F-\\u009F]$",
            "minLength": 3,
            "maxLength": 254,
            "description": "local@domain.tld: one `@`, a dot in the domain, no spaces or control characters"
          },
          "password": {
            "$ref": "#/components/schemas/Password"
          },
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          }
        }
      },
      "LoginRequest": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "tenant",
          "email",
          "password"
        ],
        "properties": {
          "tenant": {
            "type": "string",
            "description": "The tenant's slug",
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
            "minLength": 1,
            "maxLength": 63
          },
          "email": {
            "type": "string",
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
            "minLength": 1,
            "maxLength": 254
          },
          "password": {
            "type": "string",
            "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
            "minLength": 1,
            "maxLength": 128
          }
        }
      },
      "RefreshRequest": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "refresh_token"
        ],
        "properties": {
          "refresh_token": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]+$",
            "minLength": 1,
            "maxLength": 512
          }
        }
      },
      "CreateUserRequest": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "email",
          "password",
          "name"
        ],
        "properties": {
          "email": {
            "type": "string",
            "pattern": "^[^@\\s\\u0000-\\u001F\\u007F-\\u009F]+@[^@\\s.\\u0000-\\u001F\\u007F-\\u009F][^@\\s\\u0000-\\u001F\\u007F-\\u009F]*\\.[^@\\s\\u0000-\\u001F\\u007F-\\u009F]*[^@\\s.\\u0000-\\u001F\\u007F-\\u009F]$",
            "minLength": 3,
            "maxLength": 254,
            "description": "local@domain.tld: one `@`, a dot in the domain, no spaces or control characters"
          },
          "password": {
            "$ref": "#/components/schemas/Password"
          },
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          },
          "role": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/Role"
              },
              {
                "type": "null"
              }
            ],
            "description": "`user` when absent or null"
          }
        }
      },
      "UpdateUserRequest": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "name": {
            "anyOf": [
              {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
              },
              {
                "type": "null"
              }
            ],
            "description": "unchanged when absent or null"
          },
          "role": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/Role"
              },
              {
                "type": "null"
              }
            ],
            "description": "unchanged when absent or null"
          },
          "is_active": {
            "anyOf": [
              {
                "type": "boolean"
              },
              {
                "type": "null"
              }
            ],
            "description": "unchanged when absent or null"
          },
          "password": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/Password"
              },
              {
                "type": "null"
              }
            ],
            "description": "unchanged when absent or null"
          },
          "current_password": {
            "anyOf": [
              {
                "type": "string",
                "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
                "minLength": 1,
                "maxLength": 128
              },
              {
                "type": "null"
              }
            ],
            "description": "absent or null unless `password` is given"
          }
        }
      },
      "Tokens": {
        "type": "object",
        "required": [
          "access_token",
          "refresh_token",
          "token_type",
          "expires_in"
        ],
        "properties": {
          "access_token": {
            "type": "string",
            "description": "ES256 JWT: iss, aud, sub, tid, tslug, role, typ=access, jti, iat, nbf, exp"
          },
          "refresh_token": {
            "type": "string"
          },
          "token_type": {
            "type": "string",
            "const": "Bearer"
          },
          "expires_in": {
            "type": "integer",
            "description": "Seconds until the access token expires"
          }
        }
      },
      "JWKSet": {
        "type": "object",
        "required": [
          "keys"
        ],
        "properties": {
          "keys": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "kty",
                "crv",
                "alg",
                "use",
                "kid",
                "x",
                "y"
              ],
              "properties": {
                "kty": {
                  "const": "EC"
                },
                "crv": {
                  "const": "P-256"
                },
                "alg": {
                  "const": "ES256"
                },
                "use": {
                  "const": "sig"
                },
                "kid": {
                  "type": "string"
                },
                "x": {
                  "type": "string"
                },
                "y": {
                  "type": "string"
                }
              }
            }
          }
        }
      },
      "Revocations": {
        "type": "object",
        "required": [
          "revoked",
          "cursor",
          "has_more",
          "full",
          "horizon_seconds"
        ],
        "properties": {
          "revoked": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "sub",
                "not_before"
              ],
              "properties": {
                "sub": {
                  "type": "string",
                  "format": "uuid"
                },
                "not_before": {
                  "type": "integer",
                  "description": "Seconds since the epoch; tokens with an earlier iat are refused"
                }
              }
            }
          },
          "cursor": {
            "type": "string",
            "description": "Pass it as `since` for what comes next"
          },
          "has_more": {
            "type": "boolean",
            "description": "More entries wait: ask again at once with `since=cursor`"
          },
          "full": {
            "type": "boolean",
            "description": "This page starts the list from its beginning"
          },
          "horizon_seconds": {
            "type": "integer",
            "description": "An entry matters until this long after its `not_before`"
          }
        }
      }
    }
  }
}
"""#
}
