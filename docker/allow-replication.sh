#!/bin/sh
# Run once by the postgres image when it creates the database (docker-compose.yml):
# a replica on the Compose network may stream from this server, with the password.
set -e
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
