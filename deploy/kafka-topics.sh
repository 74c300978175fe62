#!/bin/bash
# Creates runlaw's topics (idempotent). Partitions spread runs over Flink subtasks; records are keyed by run id.
set -euo pipefail
bs="${BOOTSTRAP:-kafka:9092}"
parts="${PARTITIONS:-6}"
for t in runlaw.run-started runlaw.run-finished runlaw.step-metrics runlaw.eval-metrics runlaw.expert-load \
         runlaw.routing-traces runlaw.data-movement runlaw.dead-letters runlaw.forecasts runlaw.advice runlaw.alerts \
         runlaw.batch-advice; do
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bs" --create --if-not-exists --topic "$t" \
    --partitions "$parts" --replication-factor 1
done
# Finished runs published by the forecast job as family references: one record per run id is all a reader needs.
/opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bs" --create --if-not-exists --topic runlaw.run-references \
  --partitions "$parts" --replication-factor 1 --config cleanup.policy=compact
touch /tmp/topics-created
# Stay up so the healthcheck can report that topics exist; compose stops it with the stack.
sleep infinity
