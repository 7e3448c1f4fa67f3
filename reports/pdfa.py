"""PDF/A-3b finishing of the report that reportlab wrote (reportlab writes neither XMP, output intents nor associated
files): one pikepdf pass that adds

- XMP metadata (dc:title, dc:creator, dc:description, dc:language, pdf:Keywords, pdf:Producer, xmp:CreatorTool,
  xmp:CreateDate/ModifyDate/MetadataDate, pdfaid:part 3, conformance B), with the Info dictionary rewritten to match it;
- an sRGB output intent (GTS_PDFA1) whose ICC profile is built here (`srgb_icc`);
- the evidence manifest as an associated file (/AF, AFRelationship /Data, MIME subtype, size, dates, MD5 checksum);
- the document language (/Lang), DisplayDocTitle, and the print flag on every annotation;
- a PDF 1.7 header.

Fonts are DejaVu TrueType subsets, embedded by reportlab, and `reports.fonts.runs` never leaves a character to the
.notdef glyph. The file is not tagged (reportlab has no structure tree), so it is PDF/A-3b, not 3a or PDF/UA."""

from __future__ import annotations

import io
import math
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    import pikepdf

PRODUCER = "Attest report writer (ReportLab, pikepdf)"
SRGB = "sRGB IEC61966-2.1"


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    mime: str = "application/json"
    description: str = ""
    relationship: str = "Data"  # PDF/A-3 AFRelationship: Source | Data | Alternative | Supplement | Unspecified


@dataclass(frozen=True)
class ArchivalInfo:
    title: str
    created: str  # UTC, ISO 8601 ("2026-12-02T15:39:56Z")
    author: str = ""  # a person's name (the workspace identity); left out when unknown, never the OS login
    subject: str = ""
    keywords: tuple[str, ...] = ()
    creator_tool: str = ""
    lang: str = "en"
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


@lru_cache(maxsize=1)
def srgb_icc() -> bytes:
    """An ICC v2.1 display profile of sRGB (IEC 61966-2-1): D50-adapted colorants, the sRGB tone curve sampled at 1024
    points. Built here, byte-for-byte the same every time, because PDF/A's output intent wants a v2-compatible profile
    and none ships with Attest's dependencies (Pillow's built-in sRGB is ICC v4.4)."""

    def curve() -> bytes:
        pts = []
        for i in range(1024):
            c = i / 1023
            lin = c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
            pts.append(min(65535, max(0, round(lin * 65535))))
        return b"curv" + b"\0" * 4 + struct.pack(">I", len(pts)) + struct.pack(f">{len(pts)}H", *pts)

    desc_text = SRGB.encode("ascii") + b"\0"
    desc = (
        b"desc"
        + b"\0" * 4
        + struct.pack(">I", len(desc_text))
        + desc_text
        + struct.pack(">II", 0, 0)
        + struct.pack(">HB", 0, 0)
        + b"\0" * 67
    )
    cprt = b"text" + b"\0" * 4 + b"No copyright, use freely\0"
    trc = curve()
    tags = [
        (b"desc", desc),
        (b"cprt", cprt),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(0.436066, 0.222488, 0.013916)),
        (b"gXYZ", _xyz(0.385147, 0.716873, 0.097076)),
        (b"bXYZ", _xyz(0.143066, 0.060608, 0.714096)),
        (b"rTRC", trc),
        (b"gTRC", trc),
        (b"bTRC", trc),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    entries: list[bytes] = []
    blobs: list[bytes] = []
    placed: dict[bytes, int] = {}
    for sig, data in tags:
        if data in placed:  # the three tone curves share one copy
            entries.append(struct.pack(">4sII", sig, placed[data], len(data)))
            continue
        placed[data] = offset
        entries.append(struct.pack(">4sII", sig, offset, len(data)))
        padded = data + b"\0" * (-len(data) % 4)
        blobs.append(padded)
        offset += len(padded)
    body = struct.pack(">I", len(tags)) + b"".join(entries) + b"".join(blobs)
    size = 128 + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0" * 4
        + bytes([2, 0x10, 0, 0])
        + b"mntr"
        + b"RGB "
        + b"XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 4
        + b"\0" * 4
        + b"\0" * 8
        + b"\0" * 8
        + b"\0" * 4
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 4
        + b"\0" * 16
        + b"\0" * 28
    )
    assert len(header) == 128
    return header + body


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


def pdf_date(iso: str) -> str:
    return _when(iso).strftime("D:%Y%m%d%H%M%S+00'00'")


def xmp_date(iso: str) -> str:
    return _when(iso).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def xmp_packet(info: ArchivalInfo) -> bytes:
    """The XMP metadata: predefined schemas only (no extension schema needed), values equal to the Info dictionary's."""
    t = escape
    created = xmp_date(info.created)
    creator = f"<dc:creator><rdf:Seq><rdf:li>{t(info.author)}</rdf:li></rdf:Seq></dc:creator>" if info.author else ""
    desc = (
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{t(info.subject)}</rdf:li></rdf:Alt></dc:description>'
        if info.subject
        else ""
    )
    keywords = f"<pdf:Keywords>{t(', '.join(info.keywords))}</pdf:Keywords>" if info.keywords else ""
    tool = f"<xmp:CreatorTool>{t(info.creator_tool)}</xmp:CreatorTool>" if info.creator_tool else ""
    xml = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{t(info.title)}</rdf:li></rdf:Alt></dc:title>
   {creator}
   {desc}
   <dc:language><rdf:Bag><rdf:li>{t(info.lang)}</rdf:li></rdf:Bag></dc:language>
   {keywords}
   <pdf:Producer>{t(PRODUCER)}</pdf:Producer>
   {tool}
   <xmp:CreateDate>{created}</xmp:CreateDate>
   <xmp:ModifyDate>{created}</xmp:ModifyDate>
   <xmp:MetadataDate>{created}</xmp:MetadataDate>
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return xml.encode("utf-8")


def finish(pdf: bytes, info: ArchivalInfo) -> bytes:
    """`pdf` (from reportlab) as PDF/A-3b with `info`'s metadata and attachments (pikepdf, i.e. qpdf)."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        root = doc.Root
        # Uncompressed, as PDF/A wants it readable without a PDF parser (qpdf leaves /Type /Metadata streams alone).
        root.Metadata = doc.make_stream(xmp_packet(info), Type=Name.Metadata, Subtype=Name.XML)
        icc = doc.make_stream(srgb_icc(), N=3)
        root.OutputIntents = Array(
            [
                doc.make_indirect(
                    Dictionary(
                        Type=Name.OutputIntent,
                        S=Name.GTS_PDFA1,
                        OutputConditionIdentifier=String(SRGB),
                        Info=String(SRGB),
                        RegistryName=String("http://www.color.org"),
                        DestOutputProfile=icc,
                    )
                )
            ]
        )
        root.Lang = String(info.lang)
        root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        when = pdf_date(info.created)
        specs = []
        for a in info.attachments:
            spec = pikepdf.AttachedFileSpec(
                doc,
                a.data,
                description=a.description,
                filename=a.name,
                mime_type=a.mime,
                creation_date=when,
                mod_date=when,
                relationship=Name("/" + a.relationship),
            )
            doc.attachments[a.name] = spec
            specs.append(spec.obj)
        if specs:
            root.AF = Array(specs)
        _fix_to_unicode(doc)
        for page in doc.pages:
            for annot in page.obj.get("/Annots", None) or []:
                flags = int(annot.get("/F", 0))
                annot.F = (flags | 4) & ~0b100011  # Print on; Invisible, Hidden, NoView off (PDF/A)
        docinfo = {"/Title": info.title, "/Producer": PRODUCER, "/CreationDate": when, "/ModDate": when}
        if info.author:
            docinfo["/Author"] = info.author
        if info.subject:
            docinfo["/Subject"] = info.subject
        if info.keywords:
            docinfo["/Keywords"] = ", ".join(info.keywords)
        if info.creator_tool:
            docinfo["/Creator"] = info.creator_tool
        doc.docinfo = doc.make_indirect(Dictionary({k: String(v) for k, v in docinfo.items()}))
        out = io.BytesIO()
        doc.save(out, force_version="1.7", fix_metadata_version=False, deterministic_id=False)
        return out.getvalue()


_ASTRAL = re.compile(rb"(<[0-9A-Fa-f]{2,4}>\s*)<([0-9A-Fa-f]{5,6})>")


def _utf16(match: re.Match[bytes]) -> bytes:
    cp = int(match.group(2), 16) - 0x10000
    return match.group(1) + b"<%04X%04X>" % (0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF))


def _fix_to_unicode(doc: pikepdf.Pdf) -> None:
    """reportlab writes a character beyond U+FFFF (an emoji) into a font's ToUnicode map as odd-length hex (<1F600>),
    which readers reject, so the text cannot be copied or searched; PDF wants UTF-16 (<D83DDE00>)."""
    seen: set[tuple[int, int]] = set()
    for page in doc.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if resources is not None else None
        for _, font in fonts.items() if fonts is not None else ():
            cmap = font.get("/ToUnicode")
            if cmap is None or cmap.objgen in seen:
                continue
            seen.add(cmap.objgen)
            data = cmap.read_bytes()
            fixed = _ASTRAL.sub(_utf16, data)
            if fixed != data:
                cmap.write(fixed)


def icc_is_srgb(data: bytes) -> float:
    """Largest difference (0-255 scale) between this profile and Pillow's built-in sRGB over a grid of colours: a check
    that the hand-built profile means sRGB (used by the tests)."""
    from PIL import Image, ImageCms

    mine = ImageCms.ImageCmsProfile(io.BytesIO(data))
    ref = ImageCms.createProfile("sRGB")
    img = Image.new("RGB", (216, 1))
    img.putdata([(r * 51, g * 51, b * 51) for r in range(6) for g in range(6) for b in range(6)])
    out = ImageCms.profileToProfile(img, mine, ref, outputMode="RGB", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    if out is None:  # only with inPlace=True, which is not asked for
        raise RuntimeError("ImageCms.profileToProfile returned no image")
    # get_flattened_data: Pillow's name for the pixels since getdata was deprecated (removed in Pillow 14); same size and
    # mode on both sides, and RGB pixels of three channels each.
    pixels = zip(_channels(img.get_flattened_data()), _channels(out.get_flattened_data()), strict=True)
    return max(math.fabs(a - b) for p, q in pixels for a, b in zip(p, q, strict=True))


def _channels(pixels: Sequence[object]) -> list[tuple[int, ...]]:
    """An RGB image's pixels as channel tuples (Pillow types a pixel as any mode's value)."""
    out = []
    for px in pixels:
        if not isinstance(px, tuple):
            raise TypeError(f"expected an RGB pixel, got {px!r}")
        out.append(tuple(int(c) for c in px))
    return out
