"""One change to the model's graph at load: look the word vectors up before dequantizing them.

The pinned model stores its word-vector table as int8 with one scale per row and dequantizes
the whole table before looking up the question's word pieces (`Cast` -> `Mul` -> `Gather`).
onnxruntime folds those constants at load, so the table sits in memory as float32: 47 MB for
30,522 word pieces of which a question uses a dozen. Rewritten as `Gather` of the int8 rows and
of their scales, then `Cast` -> `Mul` on those rows only, the table stays 12 MB. Each vector
element is still its int8 value times its row's scale in float32, so every output is the same
to the last bit (`tests/core/matching/semantic/test_model_graph.py`). The position vectors
(512 rows) are stored the same way and looked up the same way.

The file itself is the pinned one (its sha256 is checked before this runs); the change is made
on its bytes in memory. It reads and writes the ONNX protobuf through a schema of only the
fields it touches: protobuf keeps every other field (the weights, the opsets, ...) as it found
them. A graph without that pattern is left as it is.
"""

from __future__ import annotations

from functools import cache
from typing import Any

_FLOAT = 1
"""onnx TensorProto.FLOAT"""
_INT8 = 3
"""onnx TensorProto.INT8"""
_INT = 2
"""onnx AttributeProto.INT"""
_PREFIX = "careerbot_lookup"


@cache
def _messages() -> tuple[Any, Any]:
    """ModelProto and NodeProto classes with the fields used here (numbers from onnx.proto)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    proto = descriptor_pb2.FileDescriptorProto(
        name="careerbot_onnx_subset.proto", package="careerbot_onnx_subset", syntax="proto2")
    optional = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    repeated = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED
    kinds = descriptor_pb2.FieldDescriptorProto
    shapes = {
        "AttributeProto": [("name", 1, optional, kinds.TYPE_STRING, None),
                           ("i", 3, optional, kinds.TYPE_INT64, None),
                           ("type", 20, optional, kinds.TYPE_ENUM, "AttributeType")],
        "NodeProto": [("input", 1, repeated, kinds.TYPE_STRING, None),
                      ("output", 2, repeated, kinds.TYPE_STRING, None),
                      ("name", 3, optional, kinds.TYPE_STRING, None),
                      ("op_type", 4, optional, kinds.TYPE_STRING, None),
                      ("attribute", 5, repeated, kinds.TYPE_MESSAGE, "AttributeProto"),
                      ("domain", 7, optional, kinds.TYPE_STRING, None)],
        "TensorProto": [("dims", 1, repeated, kinds.TYPE_INT64, None),
                        ("data_type", 2, optional, kinds.TYPE_INT32, None),
                        ("name", 8, optional, kinds.TYPE_STRING, None)],
        "GraphProto": [("node", 1, repeated, kinds.TYPE_MESSAGE, "NodeProto"),
                       ("initializer", 5, repeated, kinds.TYPE_MESSAGE, "TensorProto")],
        "ModelProto": [("graph", 7, optional, kinds.TYPE_MESSAGE, "GraphProto")],
    }
    enum = proto.enum_type.add(name="AttributeType")
    enum.value.add(name="UNDEFINED", number=0)
    enum.value.add(name="INT", number=_INT)
    for message, fields in shapes.items():
        described = proto.message_type.add(name=message)
        for name, number, label, kind, type_name in fields:
            field = described.field.add(name=name, number=number, label=label, type=kind)
            if type_name is not None:
                field.type_name = f".careerbot_onnx_subset.{type_name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    model = message_factory.GetMessageClass(
        pool.FindMessageTypeByName("careerbot_onnx_subset.ModelProto"))
    node = message_factory.GetMessageClass(
        pool.FindMessageTypeByName("careerbot_onnx_subset.NodeProto"))
    return model, node


def lookup_before_dequantize(model_bytes: bytes) -> bytes | None:
    """The model with each int8 table it dequantizes whole right before a `Gather` (`Cast` of
    an int8 constant, `Mul` by one scale per row: the word and the position vectors) dequantized
    after the lookup instead; None if its graph has no such table (then the caller uses the
    model as it is)."""
    model_class, node_class = _messages()
    model = model_class.FromString(model_bytes)
    graph = model.graph
    nodes = list(graph.node)
    made_by = {output: i for i, node in enumerate(nodes) for output in node.output}
    uses: dict[str, int] = {}
    for node in nodes:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1
    shapes = {t.name: (t.data_type, list(t.dims)) for t in graph.initializer}
    replaced: dict[int, list[Any]] = {}  # a Gather's place -> the nodes that take its place
    dropped: set[int] = set()
    for at, gather in enumerate(nodes):
        if gather.op_type != "Gather" or gather.domain or len(gather.input) != 2:
            continue
        if any(a.name == "axis" and a.i != 0 for a in gather.attribute):
            continue
        mul_at = made_by.get(gather.input[0])
        mul = nodes[mul_at] if mul_at is not None else None
        if mul is None or mul.op_type != "Mul" or uses.get(mul.output[0]) != 1:
            continue
        cast_at = made_by.get(mul.input[0])
        cast = nodes[cast_at] if cast_at is not None else None
        if (cast is None or cast.op_type != "Cast" or uses.get(cast.output[0]) != 1
                or [(a.name, a.i) for a in cast.attribute] != [("to", _FLOAT)]):
            continue
        table, scales = shapes.get(cast.input[0]), shapes.get(mul.input[1])
        if (table is None or scales is None or table[0] != _INT8 or len(table[1]) != 2
                or scales[0] != _FLOAT or scales[1] != [table[1][0], 1]):
            continue  # not an int8 table dequantized whole with one scale per row
        ids, out, name = gather.input[1], gather.output[0], f"{_PREFIX}_{at}"
        replaced[at] = [
            node_class(op_type="Gather", name=f"{name}_gather", input=[cast.input[0], ids],
                       output=[f"{name}_rows"]),
            node_class(op_type="Gather", name=f"{name}_gather_scales",
                       input=[mul.input[1], ids], output=[f"{name}_scales"]),
            node_class(op_type="Cast", name=f"{name}_cast", input=[f"{name}_rows"],
                       output=[f"{name}_float"],
                       attribute=[{"name": "to", "i": _FLOAT, "type": _INT}]),
            node_class(op_type="Mul", name=f"{name}_mul",
                       input=[f"{name}_float", f"{name}_scales"], output=[out]),
        ]
        dropped |= {mul_at, cast_at}
    if not replaced:
        return None
    rewritten: list[Any] = []
    for at, node in enumerate(nodes):
        if at in replaced:
            rewritten += replaced[at]
        elif at not in dropped:
            copy = node_class()
            copy.CopyFrom(node)
            rewritten.append(copy)
    graph.ClearField("node")
    for node in rewritten:
        graph.node.add().CopyFrom(node)
    return model.SerializeToString()
