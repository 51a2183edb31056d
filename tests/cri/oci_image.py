#!/usr/bin/python3
"""oci_image.py ROOTFS OUT.tar NAME [CMD...] [--image NAME [CMD...]]...
writes one OCI image-layout tarball that `ctr image import` reads, holding
one-layer images (amd64, gzip layer) of the directory ROOTFS: one per NAME
(annotation io.containerd.image.name), each with its CMD as the image's Cmd
(default /bin/sh).  The images share the layer blob, so one import brings
them all.  The output is reproducible: owners 0, mtimes 0, names sorted.
cri.sh needs a second image whose Cmd keeps running (the pod sandbox,
"pause", image), which is why this exists next to tests/lib/clients.sh's
oci_image_tar (one image, fixed Cmd).
"""
import gzip
import hashlib
import io
import json
import sys
import tarfile

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def normalize(info):
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    return info


def layer_tar(rootfs):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(rootfs, arcname=".", recursive=True, filter=normalize)
    return buf.getvalue()


def add_blob(out, blobs, data):
    digest = hashlib.sha256(data).hexdigest()
    info = normalize(tarfile.TarInfo("blobs/sha256/" + digest))
    info.size = len(data)
    if digest not in blobs:
        blobs.add(digest)
        out.addfile(info, io.BytesIO(data))
    return {"digest": "sha256:" + digest, "size": len(data)}


def add_file(out, name, data):
    info = normalize(tarfile.TarInfo(name))
    info.size = len(data)
    out.addfile(info, io.BytesIO(data))


def dumps(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def image_specs(args):
    """[(NAME, CMD)] from NAME [CMD...] [--image NAME [CMD...]]..."""
    specs, group = [], []
    for arg in args + ["--image"]:
        if arg != "--image":
            group.append(arg)
            continue
        if not group:
            raise ValueError("--image needs a NAME")
        specs.append((group[0], group[1:] or ["/bin/sh"]))
        group = []
    return specs


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: oci_image.py ROOTFS OUT.tar NAME [CMD...] [--image NAME [CMD...]]...\n")
        return 2
    rootfs, out_path = argv[:2]
    specs = image_specs(argv[2:])
    layer = layer_tar(rootfs)
    layer_gz = gzip.compress(layer, mtime=0)
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    blobs, manifests = set(), []
    with tarfile.open(out_path, "w", format=tarfile.PAX_FORMAT) as out:
        add_file(out, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        layer_desc = dict(mediaType=LAYER, **add_blob(out, blobs, layer_gz))
        for name, cmd in specs:
            config = {"architecture": "amd64", "os": "linux",
                      "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                                 "Cmd": cmd, "WorkingDir": "/"},
                      "rootfs": {"type": "layers", "diff_ids": [diff_id]}}
            config_desc = dict(mediaType=CONFIG, **add_blob(out, blobs, dumps(config)))
            manifest = {"schemaVersion": 2, "mediaType": MANIFEST,
                        "config": config_desc, "layers": [layer_desc]}
            desc = dict(mediaType=MANIFEST, **add_blob(out, blobs, dumps(manifest)))
            desc["annotations"] = {"io.containerd.image.name": name,
                                   "org.opencontainers.image.ref.name": name}
            manifests.append(desc)
        add_file(out, "index.json", dumps({"schemaVersion": 2, "manifests": manifests}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, ValueError) as e:
        sys.stderr.write("oci_image: %s\n" % e)
        sys.exit(1)
