#!/usr/bin/python3
"""Publish OpenAI-style chat completions to Auditor over RabbitMQ with pika (raw JSON, publisher confirms).

The shape a vLLM or LiteLLM deployment would use: call ``publish_completion(request, response, latency_ms=...)``
after each completion (a LiteLLM success callback, a middleware in front of vLLM's OpenAI server, a log tailer).

    /usr/bin/python3 samples/python-pika/auditor_publish.py --dry-run          # print the mapped samples, no broker
    /usr/bin/python3 samples/python-pika/auditor_publish.py --count 20          # publish demo completions

The topology is declared exactly as docs/contract.md says, before the first publish: a durable fanout exchange
``auditor.samples`` bound to the durable quorum queue ``auditor.samples``. Needs only pika (Debian: python3-pika).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
import uuid

EXCHANGE = "auditor.samples"
QUEUE = "auditor.samples"
PROMPT_LIMIT = 8000  # characters; the contract lets a publisher truncate the prompt

# Provider finish reasons (OpenAI, vLLM, LiteLLM, Anthropic/Bedrock through LiteLLM) onto the contract's values.
FINISH_REASONS = {
    "stop": "stop", "eos": "stop", "eos_token": "stop", "stop_sequence": "stop", "end_turn": "stop",
    "length": "length", "max_tokens": "length", "model_length": "length",
    "content_filter": "content_filter", "safety": "content_filter", "recitation": "content_filter",
    "tool_calls": "tool_calls", "function_call": "tool_calls", "tool_use": "tool_calls",
    "error": "error", "abort": "error",
}
DECODING_PARAMS = ("temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty",
                   "repetition_penalty", "seed", "stop", "n")
ALWAYS_SAMPLE_FINISH_REASONS = {"length", "error"}


def map_finish_reason(value):
    """Maps a provider's finish_reason to stop, length, content_filter, tool_calls, error or other (None stays None)."""
    if value is None:
        return None
    return FINISH_REASONS.get(str(value).lower(), "other")


def _prompt_text(request):
    parts = []
    for message in request.get("messages") or []:
        content = message.get("content")
        if isinstance(content, list):  # multimodal content parts: keep the text ones
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        parts.append(f"{message.get('role', 'user')}: {content or ''}")
    text = "\n".join(parts) if parts else str(request.get("prompt") or "")
    return text[:PROMPT_LIMIT] if text else None


def _rfc3339(unix_seconds=None):
    moment = dt.datetime.fromtimestamp(unix_seconds, dt.timezone.utc) if unix_seconds else dt.datetime.now(dt.timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")


def to_samples(request, response, *, route, deployment=None, latency_ms=None, time_to_first_token_ms=None,
               attributes=None):
    """Maps one chat completion (request and response dicts, OpenAI shape) to contract samples, one per choice.

    sampleId is the completion id plus the choice index, so publishing the same completion twice is counted once.
    Token usage is per response: completionTokens is set only when there is a single choice.
    """
    choices = response.get("choices") or [{}]
    usage = response.get("usage") or {}
    max_tokens = request.get("max_completion_tokens", request.get("max_tokens"))
    params = {k: request[k] for k in DECODING_PARAMS if request.get(k) is not None}
    base_id = response.get("id") or str(uuid.uuid4())
    samples = []
    for position, choice in enumerate(choices):
        message = choice.get("message") or {}
        output = message.get("content")
        if output is None:
            output = choice.get("text") or ""  # completions API, or a tool call without text
        sample = {
            "schemaVersion": 1,
            "sampleId": f"{base_id}-{choice.get('index', position)}"[:128],
            "occurredAt": _rfc3339(response.get("created")),
            "model": response.get("model") or request.get("model") or "unknown",
            "route": route,
            "deployment": deployment,
            "prompt": _prompt_text(request),
            "output": output,
            "finishReason": map_finish_reason(choice.get("finish_reason")),
            "promptTokens": usage.get("prompt_tokens"),
            "completionTokens": usage.get("completion_tokens") if len(choices) == 1 else None,
            "maxTokens": max_tokens,
            "latencyMs": latency_ms,
            "timeToFirstTokenMs": time_to_first_token_ms,
            "params": params or None,
            "attributes": attributes or None,
        }
        samples.append({k: v for k, v in sample.items() if v is not None})
    return samples


def stream_routing_key(sample):
    """The stream's routing key (AuditorTopology.StreamRoutingKey): the fanout exchange ignores it, a sharded intake
    (Auditor__Transport__Shards) hashes it so a stream's samples stay on one queue, in order."""
    key = f"{sample.get('model') or ''}\n{sample.get('route') or ''}".encode("utf-8", errors="replace")
    return hashlib.sha256(key).hexdigest()[:32]


def head_sample(sample, rate, draw=random.random):
    """Head sampling: returns the sample to send (with samplingRate set) or None.

    Truncated, errored and empty outputs are always sent with samplingRate 1; others are kept with probability
    ``rate`` and carry ``samplingRate = rate``. Each output then counts 1/p on the server where p is the probability it
    had of being sent, so volume estimates stay unbiased.
    """
    always = sample.get("finishReason") in ALWAYS_SAMPLE_FINISH_REASONS or not sample.get("output", "").strip()
    if always or rate >= 1:
        return dict(sample, samplingRate=sample.get("samplingRate", 1.0))
    if draw() < rate:
        return dict(sample, samplingRate=sample.get("samplingRate", 1.0) * rate)
    return None


class AuditorPublisher:
    """A pika publisher with confirms; reconnects (and redeclares the topology) once per failed publish."""

    def __init__(self, url="amqp://guest:guest@localhost:5672/", exchange=EXCHANGE, queue=QUEUE, rate=1.0):
        self.url, self.exchange, self.queue, self.rate = url, exchange, queue, rate
        self.connection = self.channel = None
        self.counters = {"offered": 0, "sampled_out": 0, "confirmed": 0, "unconfirmed": 0}

    def _connect(self):
        import pika  # imported here so --dry-run needs no pika
        self.connection = pika.BlockingConnection(pika.URLParameters(self.url))
        self.channel = self.connection.channel()
        # Exactly the topology of docs/contract.md, declared before the first publish.
        self.channel.exchange_declare(self.exchange, "fanout", durable=True)
        self.channel.queue_declare(self.queue, durable=True, arguments={"x-queue-type": "quorum"})
        self.channel.queue_bind(self.queue, self.exchange, routing_key="")
        self.channel.confirm_delivery()

    def _publish_raw(self, sample):
        import pika
        if self.channel is None or self.channel.is_closed:
            self._connect()
        # With confirm_delivery(), basic_publish blocks until the broker acks, and raises on a nack or a return.
        self.channel.basic_publish(self.exchange, stream_routing_key(sample), json.dumps(sample, ensure_ascii=False).encode("utf-8"),
                                   pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                                        message_id=sample["sampleId"]),
                                   mandatory=True)

    def publish_sample(self, sample):
        """Head-samples and publishes one contract sample; returns True when the broker confirmed it."""
        import pika.exceptions as errors
        self.counters["offered"] += 1
        sample = head_sample(sample, self.rate)
        if sample is None:
            self.counters["sampled_out"] += 1
            return False
        for attempt in range(2):
            try:
                self._publish_raw(sample)
                self.counters["confirmed"] += 1
                return True
            except (errors.AMQPConnectionError, errors.AMQPChannelError, errors.NackError, errors.UnroutableError) as ex:
                self.counters["unconfirmed"] += 1
                print(f"auditor: publish of {sample['sampleId']} not confirmed ({type(ex).__name__}); "
                      f"{'reconnecting' if attempt == 0 else 'giving up'}", file=sys.stderr)
                self.close()
        return False

    def publish_completion(self, request, response, *, route, deployment=None, latency_ms=None,
                           time_to_first_token_ms=None, attributes=None):
        """Maps an OpenAI-style chat completion to contract samples and publishes them. Returns how many were confirmed."""
        samples = to_samples(request, response, route=route, deployment=deployment, latency_ms=latency_ms,
                             time_to_first_token_ms=time_to_first_token_ms, attributes=attributes)
        return sum(self.publish_sample(s) for s in samples)

    def close(self):
        try:
            if self.connection is not None and self.connection.is_open:
                self.connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection has nothing left to do
            pass
        self.connection = self.channel = None


def demo_completion(i, rng):
    """An OpenAI chat completion as vLLM returns it, now and then truncated, empty or leaking a template token."""
    request = {"model": "qwen2.5-7b-instruct", "max_tokens": 128, "temperature": 0.7, "top_p": 0.9,
               "messages": [{"role": "system", "content": "You are a support assistant."},
                            {"role": "user", "content": f"Where is my order #{i}?"}]}
    roll = rng.random()
    if roll < 0.1:
        content, reason, tokens = "Your order is on its way. " * 40, "length", 128
    elif roll < 0.15:
        content, reason, tokens = "", "stop", 0
    elif roll < 0.2:
        content, reason, tokens = f"Order #{i} ships tomorrow.<|im_end|>", "stop", 8
    else:
        content, reason, tokens = f"Order #{i} ships tomorrow; track it on the Orders page.", "stop", 14
    response = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
                "model": "qwen2.5-7b-instruct",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": reason}],
                "usage": {"prompt_tokens": 31, "completion_tokens": tokens, "total_tokens": 31 + tokens}}
    return request, response


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="amqp://guest:guest@localhost:5672/", help="AMQP URI of the broker")
    parser.add_argument("--exchange", default=EXCHANGE)
    parser.add_argument("--queue", default=QUEUE)
    parser.add_argument("--count", type=int, default=20, help="demo completions to publish")
    parser.add_argument("--rate", type=float, default=1.0, help="head-sampling rate, 0 < rate <= 1")
    parser.add_argument("--route", default="support/answer")
    parser.add_argument("--deployment", default="sample-vllm")
    parser.add_argument("--dry-run", action="store_true", help="print the mapped samples as JSON lines; no broker")
    parser.add_argument("--input", help="with --dry-run: a file ('-' for stdin) of JSON lines {request, response, "
                                         "latency_ms?} to map instead of the demo completions")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not 0 < args.rate <= 1:
        parser.error("--rate must be in (0, 1]")
    rng = random.Random(args.seed)

    if args.dry_run and args.input:
        lines = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
        for line in lines:
            if line.strip():
                pair = json.loads(line)
                for sample in to_samples(pair["request"], pair["response"], route=args.route, deployment=args.deployment,
                                         latency_ms=pair.get("latency_ms")):
                    print(json.dumps(head_sample(sample, args.rate, rng.random) or {"sampledOut": sample["sampleId"]},
                                     ensure_ascii=False))
        return 0
    if args.dry_run:
        for i in range(args.count):
            request, response = demo_completion(i, rng)
            for sample in to_samples(request, response, route=args.route, deployment=args.deployment, latency_ms=420.0):
                print(json.dumps(sample, ensure_ascii=False))
        return 0

    publisher = AuditorPublisher(args.url, args.exchange, args.queue, args.rate)
    try:
        for i in range(args.count):
            started = time.monotonic()
            request, response = demo_completion(i, rng)
            publisher.publish_completion(request, response, route=args.route, deployment=args.deployment,
                                         latency_ms=(time.monotonic() - started) * 1000 + 350)
    finally:
        publisher.close()
    print(json.dumps(publisher.counters))
    c = publisher.counters
    return 0 if c["confirmed"] + c["sampled_out"] == c["offered"] else 1


if __name__ == "__main__":
    sys.exit(main())
