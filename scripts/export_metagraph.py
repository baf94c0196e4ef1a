#!/usr/bin/env python3
"""Export metagraph snapshots of one subnet for `taosim replay`.

Writes one series file (schemas/snapshot.schema.json) with a snapshot every STEP blocks from
START to END, read with the bittensor Python SDK (`pip install bittensor`; needs network access
to a subtensor node, an archive node for old blocks):

    python3 scripts/export_metagraph.py --netuid 15 --start 4769998 --end 4773598 \
        --step 360 --out sn15.json
    taosim replay sn15.json --yuma yuma2,yuma3

Per uid it writes the hotkey, the stake (`metagraph.S`, the stake weight the epoch uses, in
TAO), the weight row (the SDK's row-normalised floats; `taosim replay` stores each row as the
chain does, max-upscaled to u16), the validator permit and the stored bonds (u16). Subnet
hyperparameters the replay understands are written under `hyperparameters` with its names.

The writer functions (`snapshot_document`, `series_document`, `write_json`) need neither the SDK
nor the network; the test suite runs them.
"""

import argparse
import json

# SDK hyperparameter name -> `taosim replay` name.
HYPERPARAMETERS = {
    "tempo": "tempo",
    "kappa": "kappa",
    "bonds_moving_avg": "bonds_moving_average",
    "bonds_penalty": "bonds_penalty",
    "liquid_alpha_enabled": "liquid_alpha",
    "alpha_low": "alpha_low",
    "alpha_high": "alpha_high",
    "alpha_sigmoid_steepness": "alpha_sigmoid_steepness",
    "max_validators": "max_allowed_validators",
    "commit_reveal_weights_enabled": "commit_reveal",
}


def sparse_row(row, scale=1.0, integer=False):
    """[[uid, value], ...] of the non-zero entries of a dense row."""
    out = []
    for uid, value in enumerate(row):
        value = float(value) * scale
        if value > 0:
            out.append([uid, int(round(value)) if integer else value])
    return out


def snapshot_document(netuid, block, hotkeys, stakes_tao, weights, permits=None, bonds=None,
                      hyperparameters=None):
    """One snapshot. `weights` and `bonds` are dense n x n rows; bonds as stored u16 values
    (rows of floats in [0, 1] are scaled by 65535)."""
    bond_scale = 1.0
    if bonds is not None and max((max(r) for r in bonds if len(r)), default=0) <= 1.0:
        bond_scale = 65535.0
    neurons = []
    for uid, hotkey in enumerate(hotkeys):
        neuron = {
            "uid": uid,
            "hotkey": str(hotkey),
            "stake_tao": float(stakes_tao[uid]),
            "weights": sparse_row(weights[uid]),
        }
        if permits is not None:
            neuron["validator_permit"] = bool(permits[uid])
        if bonds is not None:
            neuron["bonds"] = sparse_row(bonds[uid], bond_scale, integer=True)
        neurons.append(neuron)
    return {"netuid": int(netuid), "block": int(block), "neurons": neurons,
            "hyperparameters": hyperparameters}


def series_document(netuid, snapshots):
    """A series of snapshots in block order."""
    return {"netuid": int(netuid), "snapshots": snapshots}


def write_json(document, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, separators=(",", ":"))
        f.write("\n")


def hyperparameters_at(subtensor, netuid, block):
    """The subnet's hyperparameters at `block`, under the replay's names (unknown ones left out)."""
    try:
        info = subtensor.get_subnet_hyperparameters(netuid, block=block)
    except Exception:  # older nodes or SDKs: the replay then uses its defaults
        return None
    out = {}
    for sdk_name, name in HYPERPARAMETERS.items():
        value = getattr(info, sdk_name, None)
        if value is not None:
            out[name] = bool(value) if isinstance(value, bool) else int(value)
    return out


def export(netuid, blocks, network):
    import bittensor  # only for the network export

    subtensor = bittensor.Subtensor(network=network)
    snapshots = []
    for block in blocks:
        m = subtensor.metagraph(netuid, lite=False, block=block)
        snapshots.append(snapshot_document(
            netuid, block, list(m.hotkeys), [float(s) for s in m.S],
            [list(r) for r in m.W], [bool(p) for p in m.validator_permit],
            [list(r) for r in m.B], hyperparameters_at(subtensor, netuid, block)))
        print(f"block {block}: {len(m.hotkeys)} uids")
    return series_document(netuid, snapshots)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--netuid", type=int, required=True)
    parser.add_argument("--start", type=int, required=True, help="first block")
    parser.add_argument("--end", type=int, help="last block (default: START)")
    parser.add_argument("--step", type=int, default=360, help="blocks between snapshots")
    parser.add_argument("--network", default="archive", help="SDK network name or endpoint")
    parser.add_argument("--out", required=True, help="the series file to write")
    args = parser.parse_args()
    end = args.start if args.end is None else args.end
    blocks = list(range(args.start, end + 1, max(1, args.step)))
    write_json(export(args.netuid, blocks, args.network), args.out)


if __name__ == "__main__":
    main()
