#!/usr/bin/env python3
# Broker CPU to deliver and settle N queued messages from a quorum queue: one ack per message (what MassTransit sends)
# against one multiple ack per 100 (what the broker-only ceiling sends). Run against a PRIVATE node only, e.g. one started
# by private-stack.sh:   python3 ack-cost.py RMQ_PORT BROKER_PID 30000
# The broker's CPU is read from /proc/BROKER_PID/stat around the consumption alone (the queue is filled first).
import os
import sys
import time

import pika

port, broker_pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])


def broker_cpu():
    fields = open(f"/proc/{broker_pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
channel = connection.channel()
channel.confirm_delivery()
body = b"x" * 2048
for mode in ["single", "multiple", "single", "multiple"]:
    queue = f"ack-cost-{mode}-{time.time()}"
    channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    for _ in range(n):
        channel.basic_publish("", queue, body, pika.BasicProperties(delivery_mode=2))
    time.sleep(1)
    before, started = broker_cpu(), time.time()
    channel.basic_qos(prefetch_count=1000)
    received = 0
    for method, _, _ in channel.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        received += 1
        if mode == "single":
            channel.basic_ack(method.delivery_tag)
        elif received % 100 == 0 or received == n:
            channel.basic_ack(method.delivery_tag, multiple=True)
        if received == n:
            break
    channel.cancel()
    used = broker_cpu() - before
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(f"{mode}: {received} consumed, broker {used:.2f} CPU s = {used * 1000 / received:.3f} s per 1,000 (deliver + settle), "
          f"{time.time() - started:.1f} s wall, load {load}")
    channel.queue_delete(queue)
connection.close()
