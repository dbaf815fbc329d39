#!/bin/sh
# Demo, step 1 (runs in the apache/kafka image): create the demo topic and produce sample JSON.
set -eu

bootstrap="${DEMO_BOOTSTRAP:-kafka:9092}"
topic="${DEMO_TOPIC:-demo-events}"
partitions="${DEMO_PARTITIONS:-3}"
records="${DEMO_RECORDS:-1000}"
bin=/opt/kafka/bin

"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic "$topic" --partitions "$partitions" --replication-factor 1
echo "demo: topic $topic ready ($partitions partitions)"

# One JSON object per line, the shape `floe dev` produces.
awk -v n="$records" -v seed="$$" 'BEGIN {
  srand(seed)
  split("view click add_to_cart purchase refund", types, " ")
  split("US DE FR BR JP IN", countries, " ")
  for (i = 0; i < n; i++) {
    printf "{\"event_id\":\"demo-%d-%d\",\"user_id\":\"user-%d\",\"type\":\"%s\",\"amount\":%.2f,\"quantity\":%d,\"sequence\":%d,\"device\":{\"os\":\"%s\",\"country\":\"%s\"}}\n",
      seed, i, int(rand() * 1000), types[1 + int(rand() * 5)], rand() * 500, 1 + int(rand() * 9), i,
      (rand() < 0.5 ? "ios" : "android"), countries[1 + int(rand() * 6)]
  }
}' | "$bin/kafka-console-producer.sh" --bootstrap-server "$bootstrap" --topic "$topic"
echo "demo: produced $records records to $topic"
