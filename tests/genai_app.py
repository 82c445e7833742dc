"""A small application instrumented with the OpenTelemetry SDK, as production code would
be: each service has its own tracer provider whose OTLP/HTTP exporter points at the
emulator, and each chat turn is one span carrying the GenAI semantic-convention
attributes (messages as JSON text, as the conventions say)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Tracer


def exporter(url: str, api_key: str, *, gzip: bool = False) -> OTLPSpanExporter:
    return OTLPSpanExporter(
        endpoint=f"{url}/v1/traces",
        headers={"Authorization": f"Bearer {api_key}"},
        compression=Compression.Gzip if gzip else Compression.NoCompression,
        timeout=10,
    )


@contextmanager
def service(name: str, span_exporter: Any) -> Iterator[Tracer]:
    """A tracer of service `name` whose spans go to `span_exporter` as each one ends."""
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    try:
        yield provider.get_tracer("genai-app", "1.0")
    finally:
        provider.shutdown()


def chat_attributes(
    question: str, answer: str, *, model: str = "mistral-small-latest", **extra: Any
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "mistral_ai",
        "gen_ai.request.model": model,
        "gen_ai.response.model": model + "-2506",
        "gen_ai.input.messages": json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": question}]}]
        ),
        "gen_ai.output.messages": json.dumps(
            [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": answer}],
                    "finish_reason": "stop",
                }
            ]
        ),
        "gen_ai.system_instructions": json.dumps(
            [{"type": "text", "content": "You are a helpful support agent."}]
        ),
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 7,
    }
    attributes.update(extra)
    return attributes


def chat_turn(
    tracer: Tracer,
    attributes: dict[str, Any],
    *,
    start_ns: int | None = None,
    duration_ns: int = 250_000_000,
) -> None:
    """One model call, as a CLIENT span named like the conventions ask ("chat <model>")."""
    span = tracer.start_span(
        f"chat {attributes.get('gen_ai.request.model', '')}",
        kind=SpanKind.CLIENT,
        attributes=attributes,
        start_time=start_ns,
    )
    span.end(end_time=None if start_ns is None else start_ns + duration_ns)


def recorded_turns(service_name: str, starts_ns: Sequence[int]) -> list[ReadableSpan]:
    """Finished spans of one chat turn per start time, kept in memory for one big export."""
    memory = InMemorySpanExporter()
    with service(service_name, memory) as tracer:
        for index, start in enumerate(starts_ns):
            chat_turn(tracer, chat_attributes(f"question {index}", "answer"), start_ns=start)
    return list(memory.get_finished_spans())


def export_all(span_exporter: OTLPSpanExporter, spans: Sequence[ReadableSpan]) -> None:
    result = span_exporter.export(spans)
    span_exporter.shutdown()
    assert result is SpanExportResult.SUCCESS
