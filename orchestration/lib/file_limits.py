"""Limits on what a received file may cost to read, checked before a reader touches it.

A zip-based workbook (.xlsx, .xlsm, .ods) is inflated once here, with a running cap on
the bytes produced as well as a check of the declared sizes. Python's zipfile stops at a
member's declared size, so a zip that under-declares fails its CRC here and is refused as
damaged before calamine (which would trust the stream) ever opens it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * MB
    max_expanded_bytes: int = 200 * MB
    max_rows: int = 100_000
    max_columns: int = 256


class LimitExceeded(Exception):
    """A file over one of the limits; the message names the limit, in Chinese."""


class BrokenContainer(Exception):
    """Not a readable file at all (empty, truncated zip); the message says why."""


def _mb(n: int) -> str:
    return f"{n / MB:.1f} MB"


# A workbook's XML never declares a DTD; one that does is an entity-expansion attack
# ("billion laughs") or an external-entity probe, refused before any parser sees it.
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E")


def _refuse_dtd(data: bytes) -> None:
    if any(marker in data for marker in _DTD_MARKERS):
        raise BrokenContainer(
            "文件含有 XML 实体声明（DOCTYPE/ENTITY），正常的 Excel 文件不含此类内容"
        )


def check_container(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size == 0:
        raise BrokenContainer("文件为空（0 字节）")
    if size > limits.max_file_bytes:
        raise LimitExceeded(f"文件大小 {_mb(size)} 超过上限 {_mb(limits.max_file_bytes)}")
    if not zipfile.is_zipfile(path):
        if path.read_bytes()[:2] == b"PK":
            raise BrokenContainer("文件不完整或已损坏（压缩包无法打开）")
        return
    try:
        with zipfile.ZipFile(path) as archive:
            declared = sum(info.file_size for info in archive.infolist())
            if declared > limits.max_expanded_bytes:
                raise LimitExceeded(
                    f"解压后大小 {_mb(declared)} 超过上限 {_mb(limits.max_expanded_bytes)}"
                )
            produced = 0
            for info in archive.infolist():
                with archive.open(info) as member:
                    tail = b""
                    while chunk := member.read(MB):
                        produced += len(chunk)
                        _refuse_dtd(tail + chunk)
                        tail = chunk[-16:]
                        if produced > limits.max_expanded_bytes:
                            raise LimitExceeded(
                                f"解压后大小超过上限 {_mb(limits.max_expanded_bytes)}"
                                "（压缩包声明的大小与实际不符）"
                            )
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        # RuntimeError: an encrypted zip member; the rest: truncated or corrupt archives.
        raise BrokenContainer(f"文件不完整或已损坏（{type(exc).__name__}）") from exc
