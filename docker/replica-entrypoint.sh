#!/bin/sh
# The db-replica service (docker-compose.yml): on an empty volume, copy the primary
# with pg_basebackup -R (which writes standby.signal and primary_conninfo), then run
# PostgreSQL as a hot standby that follows it. PGPASSWORD comes from the service.
set -e
DATA=/var/lib/postgresql/data
if [ ! -s "$DATA/PG_VERSION" ]; then
    until pg_basebackup -h db -U kampungkb -D "$DATA" -R -X stream -c fast; do
        echo "waiting for the primary to accept a base backup"
        rm -rf "${DATA:?}"/*
        sleep 5
    done
    chmod 0700 "$DATA"
fi
exec postgres -D "$DATA" -c hot_standby=on
