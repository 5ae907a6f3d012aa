"""Limits on what a received file may cost to read, checked before a reader touches it.

A zip-based workbook (.xlsx, .xlsm, .ods) is inflated once here, with a running cap on
the bytes produced as well as a check of the declared sizes. Python's zipfile stops at a
member's declared size, so a zip that under-declares fails its CRC here and is refused as
damaged before calamine (which would trust the stream) ever opens it.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat as xml_parser

from defusedxml import ElementTree

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


# What zipfile raises for a damaged archive: a corrupt deflate stream gives zlib.error
# (not BadZipFile), a bad CRC BadZipFile, a cut header struct.error or EOFError. Anything
# else a file raises still ends as its finding, at the ingest boundary (file_faults).
DAMAGED_CONTAINER_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
)


def exception_name(exc: BaseException) -> str:
    """``zlib.error`` rather than a bare ``error``: the name the data team can look up."""
    kind = type(exc)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


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
            infos = archive.infolist()
            declared = sum(info.file_size for info in infos)
            if declared > limits.max_expanded_bytes:
                raise LimitExceeded(
                    f"解压后大小 {_mb(declared)} 超过上限 {_mb(limits.max_expanded_bytes)}"
                )
            names = {info.filename for info in infos}
            if "xl/workbook.xml" in names and "[Content_Types].xml" not in names:
                raise BrokenContainer("文件不完整或已损坏（缺少 [Content_Types].xml）")
            produced = 0
            for info in infos:
                produced = _inflate_member(archive, info, produced, limits)
            _refuse_dangling_relationships(archive, names)
    except DAMAGED_CONTAINER_ERRORS as exc:
        # RuntimeError: an encrypted zip member; the rest: truncated or corrupt archives.
        raise BrokenContainer(f"文件不完整或已损坏（{exception_name(exc)}）") from exc


def _inflate_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, produced: int, limits) -> int:
    """Inflate one member under the running cap; an XML part must be well-formed, since a
    part Excel cannot parse makes the workbook one Excel will not open as it was sent."""
    xml = info.filename.lower().endswith((".xml", ".rels"))
    parser = xml_parser.ParserCreate() if xml else None
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
            if parser is not None:
                _feed(parser, info.filename, chunk)
    if parser is not None:
        _feed(parser, info.filename, b"", final=True)
    return produced


_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _refuse_dangling_relationships(archive: zipfile.ZipFile, names: set[str]) -> None:
    """Every part a relationship points at (styles, sheets, shared strings) must be in the
    package: Excel will not open a workbook as sent without them, whatever calamine makes
    of it. The .rels parts are small and were checked well-formed while inflating."""
    for rels in sorted(n for n in names if n.endswith(".rels")):
        source_dir = posixpath.dirname(posixpath.dirname(rels))  # xl/_rels/x.rels -> xl
        for rel in ElementTree.fromstring(archive.read(rels)).iter(_RELATIONSHIP):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External" or "://" in target:
                continue
            part = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(source_dir, target))
            )
            if part not in names:
                raise BrokenContainer(f"文件不完整或已损坏（缺少部件 {part}）")


def _feed(parser, name: str, chunk: bytes, final: bool = False) -> None:
    try:
        parser.Parse(chunk, final)
    except xml_parser.ExpatError as exc:
        raise BrokenContainer(
            f"文件不完整或已损坏（{name} 第 {exc.lineno} 行第 {exc.offset + 1} 列无法解析）"
        ) from exc
