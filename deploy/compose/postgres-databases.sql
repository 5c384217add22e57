-- One database per service (docker-compose.yml): each service creates its tables in its own.
CREATE DATABASE auth;
CREATE DATABASE blog;
CREATE DATABASE collector;
