"""InternVL3-1B served by an OpenAI-compatible server (vLLM, LMDeploy) — the GPU throughput path.

The sidecar keeps its API, limits, e-invoice fast path, validation and checks; only inference moves to a
server built for batching (continuous batching of concurrent requests, paged KV cache). Pages are sent as
images in one chat message with the same prompt as the local engine, and the answer is constrained by the
same bounded JSON schema through the server's guided decoding (``response_format`` of type
``json_schema``). Token log-probabilities, when the server returns them, give per-field confidence.

Server command lines (GPU host):

    vllm serve OpenGVLab/InternVL3-1B --trust-remote-code --dtype bfloat16 --max-model-len 16384 \\
        --limit-mm-per-prompt '{"image": 10}' --port 8000
    lmdeploy serve api_server OpenGVLab/InternVL3-1B --backend pytorch --server-port 8000

Then ``OCR_ENGINE=openai OCR_OPENAI_URL=http://gpu-host:8000/v1 ocr-sidecar serve`` (with
``OCR_CONCURRENCY`` raised, e.g. 32: the server batches what it receives at once).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import math
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Optional

from .. import errors
from ..answer import read_answer, token_budget
from ..prompts import document_prompt
from ..schema import MAX_LINES, decoding_json_schema
from ..types import DocumentInput, EngineResult
from .base import BaseEngine

log = logging.getLogger(__name__)


class OpenAIEngine(BaseEngine):
    name = "openai"
    reads_words = True

    def __init__(self, base_url: str, *, model: str = "OpenGVLab/InternVL3-1B", api_key: str = "",
                 max_tokens: int = 1024, timeout_s: float = 600.0, image_max_side: int = 1792):
        if not base_url:
            raise ValueError("OCR_ENGINE=openai needs OCR_OPENAI_URL (e.g. http://vllm:8000/v1)")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.image_max_side = image_max_side
        self.model_name = f"{model} via {self.base_url}"
        self.device, self.dtype = "remote", "server"

    # --- plumbing --------------------------------------------------------------------------------

    def _request(self, path: str, body: Optional[dict] = None, timeout: Optional[float] = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method="POST" if data else "GET",
                                         headers={"Content-Type": "application/json"})
        if self.api_key:
            request.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout_s) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode(errors="replace")
            if exc.code in (429, 502, 503, 504):
                raise errors.NotReady(f"The inference server is busy or down (HTTP {exc.code}): {detail}") from None
            raise errors.SidecarError(f"The inference server refused the request (HTTP {exc.code}): {detail}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise errors.NotReady(f"The inference server at {self.base_url} cannot be reached: {exc}") from None

    def load(self) -> None:
        """Wait until the server answers and serves the model (the sidecar reports NOT_SERVING until then)."""
        deadline = time.monotonic() + 600
        while True:
            try:
                models = self._request("/models", timeout=10).get("data", [])
                ids = [m.get("id") for m in models]
                if self.model not in ids and ids:
                    log.warning("openai engine: %s not in the server's models %s; using %s", self.model, ids, ids[0])
                    self.model = ids[0]
                    self.model_name = f"{self.model} via {self.base_url}"
                return
            except errors.NotReady:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)

    def _image_url(self, image) -> str:
        image = image.copy()
        image.thumbnail((self.image_max_side, self.image_max_side))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=90)
        return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()

    # --- inference -------------------------------------------------------------------------------

    def extract(self, doc: DocumentInput, cancel: Optional[threading.Event] = None) -> EngineResult:
        started = time.perf_counter()
        images = [p.image for p in doc.pages if p.image is not None]
        if not images:
            raise errors.InvalidDocument("The document has no page images to read.")
        head, tail = document_prompt(doc.document_type, [p.text for p in doc.pages], doc.prompt, doc.language_hint,
                                     sources=[p.words.source if p.words else None for p in doc.pages])
        content: list[dict[str, Any]] = [{"type": "text", "text": head}]
        content += [{"type": "image_url", "image_url": {"url": self._image_url(im)}} for im in images]
        content.append({"type": "text", "text": tail})
        budget = token_budget(len(images), self.max_tokens)
        body = {
            "model": self.model, "messages": [{"role": "user", "content": content}], "max_tokens": budget,
            "temperature": 0, "logprobs": True,
            "response_format": {"type": "json_schema", "json_schema": {
                "name": "document", "strict": True,
                "schema": decoding_json_schema(doc.document_type, MAX_LINES)}},
        }
        preprocess_ms = int((time.perf_counter() - started) * 1000)
        if cancel is not None and cancel.is_set():
            raise errors.Cancelled("The request was cancelled before it was sent to the inference server.")
        generated = time.perf_counter()
        answer = self._request("/chat/completions", body)
        generate_ms = int((time.perf_counter() - generated) * 1000)
        if cancel is not None and cancel.is_set():
            raise errors.Cancelled("The deadline passed while the inference server was reading the document.")
        try:
            choice = answer["choices"][0]
            text = choice["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise errors.SidecarError("The inference server's answer has no message.") from None
        ends, probs = self._token_probs(text, choice.get("logprobs"))
        tokens_out = int((answer.get("usage") or {}).get("completion_tokens") or len(ends))
        document, warnings, confidence = read_answer(text, choice.get("finish_reason") != "length", tokens_out,
                                                     budget, ends, probs)
        return EngineResult(document=document, field_confidence=confidence,
                            warnings=warnings, tokens_out=tokens_out, preprocess_ms=preprocess_ms,
                            generate_ms=generate_ms, engine=self.name, model=self.model_name)

    @staticmethod
    def _token_probs(text: str, logprobs: Optional[dict]) -> tuple[list[int], list[float]]:
        """Token end offsets and probabilities from the server's ``logprobs.content``; empty when it sent
        none or its tokens do not spell the text."""
        tokens = (logprobs or {}).get("content") or []
        if not tokens or "".join(t.get("token", "") for t in tokens) != text:
            return [], []
        ends, probs, position = [], [], 0
        for token in tokens:
            position += len(token.get("token", ""))
            ends.append(position)
            probs.append(math.exp(float(token.get("logprob", 0.0))))
        return ends, probs
