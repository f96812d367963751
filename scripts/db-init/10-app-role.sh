#!/bin/sh
# Run once by the postgres image on the database's first start (/docker-entrypoint-initdb.d), as
# the owner role (POSTGRES_USER). Creates the role the web processes and workers log in as. Its
# rights are granted, and kept SELECT/INSERT-only on the audit trail, by every `manage.py migrate`
# (kernel/database.py) run as the owner with DATABASE_APP_ROLE set. See README "Database roles".
set -eu
: "${APP_DB_USER:=digisupport_app}"
: "${APP_DB_PASSWORD:?set APP_DB_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_user="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
GRANT CONNECT ON DATABASE :"DBNAME" TO :"app_user";
GRANT USAGE ON SCHEMA public TO :"app_user";
SQL
