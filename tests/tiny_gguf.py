"""A tiny llama-architecture GGUF with random weights and a byte-level vocabulary, written in a second.

No language model ships offline here, so tests of the LLM path against a real llama.cpp server use this one: its
free text is noise, and a grammar in the request makes it say exactly what a test needs, through the server's real
tokenizer, sampler and OpenAI-compatible HTTP API."""
from __future__ import annotations

from pathlib import Path

import numpy as np

CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def _byte_tokens() -> list[str]:
    """GPT-2's printable stand-ins for the 256 bytes, in byte order."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1))
    mapping, extra = {}, 0
    for b in range(256):
        if b in printable:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + extra)
            extra += 1
    return [mapping[b] for b in range(256)]


def write_tiny_gguf(path: Path, embd: int = 64, layers: int = 2, heads: int = 4, ff: int = 128,
                    context: int = 32768, seed: int = 0) -> Path:
    import gguf

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    byte_tokens = _byte_tokens()
    merged = byte_tokens[32] + "t"  # llama.cpp wants at least one merge: " t"
    tokens = byte_tokens + [merged] + specials
    types = [gguf.TokenType.NORMAL] * 257 + [gguf.TokenType.CONTROL] * len(specials)
    vocab = len(tokens)
    rng = np.random.default_rng(seed)

    def weights(*shape):
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("landinfo-tiny-test-model")
    writer.add_context_length(context)
    writer.add_embedding_length(embd)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(ff)
    writer.add_head_count(heads)
    writer.add_head_count_kv(heads)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(embd // heads)
    writer.add_vocab_size(vocab)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges([f"{byte_tokens[32]} t"])
    writer.add_bos_token_id(vocab - 3)
    writer.add_eos_token_id(vocab - 1)  # <|im_end|> ends a turn
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML)
    writer.add_tensor("token_embd.weight", weights(vocab, embd))
    writer.add_tensor("output_norm.weight", np.ones(embd, dtype=np.float32))
    writer.add_tensor("output.weight", weights(vocab, embd))
    for i in range(layers):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(embd, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"blk.{i}.{name}.weight", weights(embd, embd))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(embd, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", weights(ff, embd))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", weights(ff, embd))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", weights(embd, ff))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
