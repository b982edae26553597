"""CrackUNet: a small U-Net for crack segmentation on a field laptop's CPU.

Five levels, widths 8-16-32-64-128, two 3x3 conv + BN + ReLU per encoder level, 2x2
max-pool down, 2x2 stride-2 transposed conv up (cheaper than upsample + 3x3 conv), skip
concat, one 3x3 conv per decoder level. About 0.4 M parameters and 4.9 GFLOPs per 512x512 tile; the ONNX graph uses only
Conv, Relu, MaxPool, ConvTranspose, Concat and Sigmoid (BatchNorm is folded at export).
"""
import torch
from torch import nn

WIDTHS = (8, 16, 32, 64, 128)


def conv(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class CrackUNet(nn.Module):
    def __init__(self, widths=WIDTHS):
        super().__init__()
        self.down = nn.ModuleList()
        cin = 3
        for w in widths:
            self.down.append(block(cin, w))
            cin = w
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for w_skip, w_deep in zip(reversed(widths[:-1]), reversed(widths[1:])):
            self.up.append(nn.ConvTranspose2d(w_deep, w_skip, 2, stride=2))
            # One conv after the skip concat (not two): keeps the tile under 5 GFLOPs.
            self.merge.append(conv(2 * w_skip, w_skip))
        self.head = nn.Conv2d(widths[0], 1, 1)

    def forward(self, x):
        skips = []
        for i, down in enumerate(self.down):
            x = down(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = self.pool(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips)):
            x = merge(torch.cat([up(x), skip], dim=1))
        return self.head(x)  # logits


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def count_flops(model, size=512):
    """Multiply-adds x 2 of every Conv/ConvTranspose for one size x size RGB tile."""
    flops = 0

    def conv_hook(module, inputs, output):
        nonlocal flops
        k = module.kernel_size[0] * module.kernel_size[1]
        if isinstance(module, nn.ConvTranspose2d):
            flops += 2 * inputs[0].numel() * module.out_channels * k // module.groups
        else:
            flops += 2 * output.numel() * module.in_channels * k // module.groups

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return flops


if __name__ == "__main__":
    m = CrackUNet()
    print(f"parameters: {count_parameters(m):,}  GFLOPs per 512x512 tile: {count_flops(m) / 1e9:.2f}")
