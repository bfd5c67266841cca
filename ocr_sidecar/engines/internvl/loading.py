"""Loading the checkpoint on a CPU: its stored dtype, and widening (or int8-quantizing) it layer by layer."""

from __future__ import annotations

import json
from pathlib import Path


def checkpoint_dtype(path: Path) -> str:
    """The dtype the weights were saved in, from config.json (InternVL3-1B-hf: bfloat16)."""
    try:
        config = json.loads((Path(path) / "config.json").read_text())
    except (OSError, ValueError):
        return "float32"
    text = config.get("text_config") or {}
    stored = config.get("dtype") or config.get("torch_dtype") or text.get("dtype") or text.get("torch_dtype")
    return stored if stored in ("bfloat16", "float16", "float32") else "float32"


def checkpoint_mappings() -> list[tuple[int, int]]:
    """Address ranges of this process mapped from *.safetensors files (transformers maps checkpoints)."""
    ranges = []
    try:
        with open("/proc/self/maps") as fh:
            for line in fh:
                fields = line.split()
                if len(fields) >= 6 and fields[-1].endswith(".safetensors"):
                    start, end = (int(x, 16) for x in fields[0].split("-"))
                    ranges.append((start, end))
    except OSError:
        pass
    return ranges


def release_file_pages(tensor, mapped: list[tuple[int, int]]) -> None:
    """Drop from this process's memory the checkpoint pages a no longer needed tensor was read from.

    transformers maps the safetensors file and the model's bf16 tensors point into it; once a layer has
    its fp32/int8 copy, the pages it was read from would stay resident until the whole file is unmapped,
    which the bf16 embedding table (kept) prevents. MADV_DONTNEED on whole pages inside a read-only file
    mapping only forgets them (the kernel would read them again from the file). Anything else — anonymous
    memory, pages shared with a neighbour — is left alone."""
    if tensor is None or not mapped:
        return
    import ctypes
    import mmap

    start = tensor.data_ptr()
    end = start + tensor.untyped_storage().nbytes() if tensor.storage_offset() == 0 else start + tensor.nbytes
    page = mmap.PAGESIZE
    first, last = -(-start // page) * page, end // page * page
    if last <= first or not any(lo <= first and last <= hi for lo, hi in mapped):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise(ctypes.c_void_p(first), ctypes.c_size_t(last - first), 4)  # MADV_DONTNEED


def widen_and_quantize(model, int8: bool = False, per_channel: bool = True) -> None:
    """Make a model loaded in bf16 (the checkpoint's dtype) compute in fp32 on the CPU, one layer at a time.

    - With ``int8``, every ``nn.Linear`` (vision encoder, projector, language model, head) becomes a dynamic
      int8 linear — weights int8 with one scale per output channel, activations fp32 — the weights are read
      4x faster than fp32 and take a quarter of its memory.
    - Without it, each linear layer is widened to fp32 (exact: every bf16 value is an fp32 value).
    - The token embedding table stays in bf16 and widens only the rows it looks up, which is exact too
      and keeps 151k x 896 fp32 values (0.5 GB) out of memory.

    Each layer is replaced as soon as its fp32 (or int8) copy exists, so peak memory is the bf16 model
    plus one layer, not the fp32 model beside the bf16 one.
    """
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
    from torch.ao.quantization import (
        default_dynamic_qconfig,
        per_channel_dynamic_qconfig,
    )

    class WideningEmbedding(torch.nn.Embedding):
        """A bf16 embedding table whose looked-up rows come out in fp32 (exact widening)."""

        def forward(self, input_ids):
            return super().forward(input_ids).float()

    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    embedding = model.get_input_embeddings()
    keep = {id(embedding.weight)}
    mapped = checkpoint_mappings()
    # Names, not modules: a list of the modules would keep every replaced bf16 layer alive to the end.
    names = [name for name, module in model.named_modules()
             if isinstance(module, torch.nn.Linear) or module is embedding]
    del embedding
    for name in names:
        parent_name, _, attr = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        child = getattr(parent, attr)
        if isinstance(child, torch.nn.Embedding):
            narrow = WideningEmbedding(child.num_embeddings, child.embedding_dim, padding_idx=child.padding_idx,
                                       _weight=child.weight, _freeze=True)
            keep.add(id(narrow.weight))
            setattr(parent, attr, narrow)
            continue
        # A fresh fp32 module from copies: the head may share its weight with the embedding table.
        wide = torch.nn.Linear(child.in_features, child.out_features, bias=child.bias is not None, device="meta")
        wide.weight = torch.nn.Parameter(child.weight.detach().float(), requires_grad=False)
        if child.bias is not None:
            wide.bias = torch.nn.Parameter(child.bias.detach().float(), requires_grad=False)
        if int8:
            wide.qconfig = qconfig
            wide = DynamicLinear.from_float(wide)
        setattr(parent, attr, wide)
        if id(child.weight) not in keep:
            for tensor in (child.weight, child.bias):
                release_file_pages(tensor, mapped)
        del child, wide
    for tensor in list(model.parameters()) + list(model.buffers()):
        if id(tensor) not in keep and tensor.is_floating_point() and tensor.dtype != torch.float32:
            narrow = tensor.data
            tensor.data = narrow.float()
            release_file_pages(narrow, mapped)
    model.config.dtype = torch.float32  # what the model computes in (transformers reads it for masks etc.)
