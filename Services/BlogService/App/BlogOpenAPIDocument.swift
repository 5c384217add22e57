/// The blog service's own part of its OpenAPI 3.1 document (ServiceKit's `OpenAPIDocument.assemble` adds the
/// operational routes and the error body), served at `GET /openapi.json`. A test holds it to the router.
enum BlogOpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "blog-service",
    "version": "1.0.0",
    "description": "Posts confined to the caller's tenant (the `tid` of the access token), with ownership rules, drafts, keyset pagination and optimistic concurrency. Access tokens are ES256 JWTs from the auth service, verified against its JWKS. Errors always have the body `{\"error\": {\"code\", \"message\", \"request_id\", \"details\"?}}`; every response carries `X-Request-ID`."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:8082"
    }
  ],
  "paths": {
    "/v1/posts": {
      "get": {
        "summary": "The tenant's posts, newest first. Drafts of others appear only for moderators and admins",
        "operationId": "listPosts",
        "responses": {
          "200": {
            "description": "A page of posts",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PostPage"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
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
            "name": "author",
            "in": "query",
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          },
          {
            "name": "status",
            "in": "query",
            "schema": {
              "$ref": "#/components/schemas/PostStatus"
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
            "description": "Part of the title or content (ASCII letters case-insensitive); at most 200 characters, no control characters"
          }
        ]
      },
      "post": {
        "summary": "Create a post; `status` defaults to `published`",
        "operationId": "createPost",
        "responses": {
          "201": {
            "description": "The post",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Post"
                }
              }
            },
            "headers": {
              "ETag": {
                "schema": {
                  "type": "string"
                },
                "description": "The post's version, for If-Match"
              },
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
                "$ref": "#/components/schemas/CreatePostRequest"
              }
            }
          }
        }
      }
    },
    "/v1/posts/{id}": {
      "get": {
        "summary": "A post",
        "operationId": "getPost",
        "responses": {
          "200": {
            "description": "The post",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Post"
                }
              }
            },
            "headers": {
              "ETag": {
                "schema": {
                  "type": "string"
                },
                "description": "The post's version, for If-Match"
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
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
        "summary": "Change a post (the author, a moderator or an admin). With `If-Match`, a stale ETag is 412 and nothing changes",
        "operationId": "updatePost",
        "responses": {
          "200": {
            "description": "The post as changed",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Post"
                }
              }
            },
            "headers": {
              "ETag": {
                "schema": {
                  "type": "string"
                },
                "description": "The post's version, for If-Match"
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
            "description": "The post kept changing concurrently (without If-Match); try again",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "412": {
            "$ref": "#/components/responses/PreconditionFailed"
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
                "$ref": "#/components/schemas/UpdatePostRequest"
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
          },
          {
            "name": "If-Match",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[\\u0020-\\u007E]*$",
              "maxLength": 1024
            },
            "description": "The ETag of the version the change is based on (or `*`)"
          }
        ]
      },
      "delete": {
        "summary": "Delete a post (the author, a moderator or an admin); `If-Match` is honoured as for PATCH",
        "operationId": "deletePost",
        "responses": {
          "204": {
            "description": "Deleted"
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
          "412": {
            "$ref": "#/components/responses/PreconditionFailed"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
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
          },
          {
            "name": "If-Match",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[\\u0020-\\u007E]*$",
              "maxLength": 1024
            },
            "description": "The ETag of the version the change is based on (or `*`)"
          }
        ]
      }
    }
  },
  "components": {
    "responses": {
      "Forbidden": {
        "description": "A plain user writing another user's post",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "NotFound": {
        "description": "No such post in the caller's tenant, or another user's draft seen by a plain user",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "PreconditionFailed": {
        "description": "`If-Match` names a version that is no longer current; nothing changed",
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
      "PostStatus": {
        "type": "string",
        "enum": [
          "draft",
          "published"
        ]
      },
      "Post": {
        "type": "object",
        "required": [
          "id",
          "tenant_id",
          "author_id",
          "title",
          "content",
          "status",
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
          "author_id": {
            "type": "string",
            "format": "uuid"
          },
          "title": {
            "type": "string"
          },
          "content": {
            "type": "string"
          },
          "status": {
            "$ref": "#/components/schemas/PostStatus"
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
      "PostPage": {
        "type": "object",
        "required": [
          "items",
          "next_cursor"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Post"
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
      "CreatePostRequest": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "title",
          "content"
        ],
        "properties": {
          "title": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "description": "1\u2013255 Unicode scalar values",
            "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
          },
          "content": {
            "type": "string",
            "maxLength": 100000,
            "description": "Up to 100,000 Unicode scalar values; may be empty",
            "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
          },
          "status": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/PostStatus"
              },
              {
                "type": "null"
              }
            ],
            "description": "`published` when absent or null"
          }
        }
      },
      "UpdatePostRequest": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "title": {
            "anyOf": [
              {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
              },
              {
                "type": "null"
              }
            ],
            "description": "1\u2013255 Unicode scalar values; unchanged when absent or null"
          },
          "content": {
            "anyOf": [
              {
                "type": "string",
                "maxLength": 100000,
                "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
              },
              {
                "type": "null"
              }
            ],
            "description": "Up to 100,000 Unicode scalar values; may be empty; unchanged when absent or null"
          },
          "status": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/PostStatus"
              },
              {
                "type": "null"
              }
            ],
            "description": "unchanged when absent or null"
          }
        }
      }
    }
  }
}
"""#
}
