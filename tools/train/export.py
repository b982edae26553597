"""Exports a trained CrackUNet checkpoint to ONNX, the model artifact crackmon ships.

    python3 tools/train/export.py --run crackunet-v1 --threshold 0.45 \
        --out Sources/Segmentation/Resources/crackunet.onnx

BatchNorm is folded into the convolutions, and the sigmoid is part of the graph, so the
file holds only Conv, Relu, MaxPool, ConvTranspose, Concat and Sigmoid. Height and width
are dynamic (multiples of 16). Metadata: name, version, threshold, input convention.
"""
import argparse
from pathlib import Path

import onnx
import torch
from torch import nn

from model import CrackUNet

HERE = Path(__file__).resolve().parent


class WithSigmoid(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.sigmoid(self.net(x))


def fold_batch_norm(module):
    """Replaces every Conv2d -> BatchNorm2d pair inside Sequentials by one Conv2d."""
    for child in module.children():
        fold_batch_norm(child)
    if isinstance(module, nn.Sequential):
        layers = list(module)
        out, i = [], 0
        while i < len(layers):
            if i + 1 < len(layers) and isinstance(layers[i], nn.Conv2d) and isinstance(layers[i + 1], nn.BatchNorm2d):
                out.append(torch.nn.utils.fusion.fuse_conv_bn_eval(layers[i], layers[i + 1]))
                i += 2
            else:
                out.append(layers[i])
                i += 1
        for k in list(module._modules):
            del module._modules[k]
        for k, layer in enumerate(out):
            module.add_module(str(k), layer)


def import_onnx(net, path):
    """Loads an exported model's weights back into a CrackUNet, for fine-tuning a shipped
    model whose training checkpoint is gone. The folded convolutions get identity BatchNorms
    that carry the folded bias (mean 0, variance 1 - eps), so the network computes exactly
    what the ONNX file does as long as BatchNorm stays in eval mode (train.py --freeze-bn)."""
    weights = {i.name.removeprefix("net."): torch.from_numpy(onnx.numpy_helper.to_array(i).copy())
               for i in onnx.load(str(path)).graph.initializer}
    state = net.state_dict()
    for name, value in weights.items():
        parts = name.split(".")
        block = ".".join(parts[:-2])
        if isinstance(net.get_submodule(block), nn.Sequential):
            # Folded Sequential [conv, relu, conv, relu]: the k-th conv came from [conv, bn, relu] at 3k.
            original = 3 * (int(parts[-2]) // 2)
            conv, bn = f"{block}.{original}", f"{block}.{original + 1}"
            if parts[-1] == "weight":
                state[f"{conv}.weight"] = value
            else:
                eps = net.get_submodule(bn).eps
                state[f"{bn}.weight"] = torch.ones_like(value)
                state[f"{bn}.bias"] = value
                state[f"{bn}.running_mean"] = torch.zeros_like(value)
                state[f"{bn}.running_var"] = torch.full_like(value, 1 - eps)
        else:
            state[name] = value
    net.load_state_dict(state)
    return net


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", default="crackunet-v1")
    p.add_argument("--checkpoint", default="best.pt")
    p.add_argument("--threshold", type=float, required=True)
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()

    state = torch.load(HERE / "runs" / args.run / args.checkpoint, weights_only=False)
    net = CrackUNet()
    net.load_state_dict(state["model"])
    net.eval()
    fold_batch_norm(net)
    model = WithSigmoid(net).eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 3, 512, 512)
    torch.onnx.export(model, dummy, str(args.out), input_names=["image"], output_names=["crack_probability"],
                      dynamic_axes={"image": {2: "height", 3: "width"}, "crack_probability": {2: "height", 3: "width"}},
                      opset_version=17, dynamo=False)
    proto = onnx.load(str(args.out))
    for key, value in {
        "name": "crackunet", "version": args.version, "threshold": str(args.threshold),
        "input": "RGB / 255, NCHW float32, height and width multiples of 16",
        "output": "crack probability, N x 1 x H x W",
        "training_run": args.run, "epoch": str(state["epoch"]),
    }.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "crackmon tools/train/export.py"
    onnx.checker.check_model(proto)
    onnx.save(proto, str(args.out))
    ops = sorted({n.op_type for n in proto.graph.node})
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB), operators: {', '.join(ops)}")


if __name__ == "__main__":
    main()
