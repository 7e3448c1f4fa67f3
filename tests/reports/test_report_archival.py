"""The demo report as an archival record: each PDF/A-3b requirement asserted with pikepdf and fontTools (veraPDF, the
reference validator, is Java and installs from neither PyPI nor Debian; Maven Central is out of reach), bookmarks that
open their own sections, and links from part 1 to the pages it cites."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime

import pikepdf
import pytest

from reports.pdf import person_name
from reports.pdfa import icc_is_srgb, srgb_icc
from tests.reports.report_helpers import Exported

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}


@pytest.fixture(scope="module")
def doc(demo_report: Exported) -> Iterator[pikepdf.Pdf]:
    with pikepdf.open(demo_report.pdf) as pdf:
        yield pdf


def _xmp(doc: pikepdf.Pdf) -> ET.Element:
    raw = doc.Root.Metadata.read_bytes()
    return ET.fromstring(raw[raw.index(b"<x:xmpmeta") : raw.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")])


def _one(root, path: str) -> str:
    el = root.find(".//" + path, NS)
    assert el is not None, path
    return el.text or ""


def _date(text: str) -> datetime:
    if text.startswith("D:"):
        return datetime.strptime(text[2:16] + "+0000", "%Y%m%d%H%M%S%z")
    return datetime.fromisoformat(text)


def test_file_structure_header_id_no_encryption(demo_report: Exported, doc: pikepdf.Pdf) -> None:
    raw = demo_report.pdf.read_bytes()
    assert raw.startswith(b"%PDF-1.7\n")  # 6.1.2: header, then a comment of at least 4 bytes above 127
    second = raw.split(b"\n", 2)[1]
    assert second.startswith(b"%") and sum(b > 127 for b in second[1:5]) == 4
    assert "/ID" in doc.trailer and len(doc.trailer.ID) == 2  # 6.1.3
    assert "/Encrypt" not in doc.trailer
    assert "/JavaScript" not in doc.Root.get("/Names", {}) and "/AA" not in doc.Root and "/OpenAction" not in doc.Root


def test_xmp_metadata_declares_pdfa3b_and_matches_the_info_dictionary(demo_report: Exported, doc: pikepdf.Pdf) -> None:
    meta = doc.Root.Metadata
    assert "/Filter" not in meta and meta.Type == "/Metadata" and meta.Subtype == "/XML"  # 6.6.2.1: not compressed
    x = _xmp(doc)
    assert _one(x, "pdfaid:part") == "3" and _one(x, "pdfaid:conformance") == "B"
    info = doc.docinfo
    assert _one(x, "dc:title/rdf:Alt/rdf:li") == str(info.Title) and demo_report.result.spec.context.system_name in str(
        info.Title
    )
    assert _one(x, "dc:description/rdf:Alt/rdf:li") == str(info.Subject)
    assert _one(x, "pdf:Producer") == str(info.Producer) and _one(x, "xmp:CreatorTool") == str(info.Creator)
    assert _one(x, "pdf:Keywords") == str(info.Keywords)
    assert _date(_one(x, "xmp:CreateDate")) == _date(str(info.CreationDate))
    assert _date(_one(x, "xmp:ModifyDate")) == _date(str(info.ModDate))
    assert "/Trapped" not in info


def test_author_is_the_workspace_identity_not_the_os_login(demo_report: Exported, doc: pikepdf.Pdf) -> None:
    from audit.trail import Workspace

    with Workspace.open(demo_report.workspace, create=False) as ws:
        expected = person_name(ws.whoami().label())
    assert expected and str(doc.docinfo.Author) == expected
    assert _one(_xmp(doc), "dc:creator/rdf:Seq/rdf:li") == expected
    assert str(doc.docinfo.Author) != demo_report.result.provenance.user


def test_output_intent_is_srgb_with_an_icc_v2_profile(doc: pikepdf.Pdf) -> None:
    (intent,) = doc.Root.OutputIntents
    assert intent.S == "/GTS_PDFA1" and str(intent.OutputConditionIdentifier) == "sRGB IEC61966-2.1"
    icc = intent.DestOutputProfile.read_bytes()
    assert intent.DestOutputProfile.N == 3
    assert icc[36:40] == b"acsp" and icc[12:20] == b"mntrRGB " and icc[8] == 2  # ICC v2 display profile, RGB
    assert int.from_bytes(icc[:4], "big") == len(icc)
    assert icc == srgb_icc()
    assert icc_is_srgb(icc) <= 1.0  # colours through it and through Pillow's sRGB agree to 1/255


def test_manifest_is_an_associated_file(demo_report: Exported, doc: pikepdf.Pdf) -> None:
    (spec,) = doc.Root.AF
    assert spec.AFRelationship == "/Data" and str(spec.UF) == str(spec.F) == demo_report.manifest.name
    ef = spec.EF.F
    assert ef.Subtype == "/application/json" and "/ModDate" in ef.Params and int(ef.Params.Size) == len(ef.read_bytes())
    assert ef.read_bytes() == demo_report.manifest.read_bytes()
    names = doc.Root.Names.EmbeddedFiles.Names
    assert any(isinstance(n, pikepdf.Dictionary) and n.objgen == spec.objgen for n in names)


def test_every_font_is_an_embedded_truetype_with_a_valid_cmap(doc: pikepdf.Pdf) -> None:
    from fontTools.ttLib import TTFont

    seen = 0
    for page in doc.pages:
        for _, font in page.Resources.get("/Font", {}).items():
            assert font.Subtype == "/TrueType", font.BaseFont  # no Type1 standard font, nothing left to the viewer
            fd = font.FontDescriptor
            assert "/FontFile2" in fd, font.BaseFont
            symbolic = int(fd.Flags) & 4
            tt = TTFont(io.BytesIO(fd.FontFile2.read_bytes()))
            tables = [(t.platformID, t.platEncID) for t in tt["cmap"].tables]
            if symbolic:  # 6.2.11.6: no Encoding, and one cmap subtable or a (3,0) one
                assert "/Encoding" not in font and (len(tables) == 1 or (3, 0) in tables), (font.BaseFont, tables)
            widths = list(font.Widths)
            assert len(widths) == int(font.LastChar) - int(font.FirstChar) + 1  # 6.2.11.5: widths for every code
            seen += 1
    assert seen >= 4


def test_language_title_display_and_annotations(doc: pikepdf.Pdf) -> None:
    assert str(doc.Root.Lang) == "en" and doc.Root.ViewerPreferences.DisplayDocTitle is True
    annots = [a for page in doc.pages for a in page.get("/Annots", [])]
    assert annots, "no links"
    for a in annots:  # 6.3.2: printable, not hidden
        flags = int(a.F)
        assert flags & 4 and not flags & 0b100011
        assert "/JS" not in a.get("/A", {})


def _outline_pages(doc: pikepdf.Pdf):
    out = []
    with doc.open_outline() as outline:

        def walk(items, depth):
            for item in items:
                page = item.destination[0] if isinstance(item.destination, pikepdf.Array) else None
                out.append((item.title, depth, page))
                walk(item.children, depth + 1)

        walk(outline.root, 0)
    return out


def test_bookmarks_open_their_own_sections(demo_report: Exported, doc: pikepdf.Pdf) -> None:
    from reports.frameworks import load_catalogue

    index = {p.objgen: i for i, p in enumerate(p.obj for p in doc.pages)}
    marks = _outline_pages(doc)
    assert [t for t, d, _ in marks if d == 0] == ["Part 1 · Report for the approver", "Part 2 · Annex: the full evidence"]
    pages_used = set()
    for title, depth, page in marks:
        if depth == 1:
            i = index[page.objgen]
            pages_used.add(i)
            text = " ".join(demo_report.pages[i].split())
            assert title in text, (title, i + 1)
    headings = {s.heading.replace("  ", " ") for s in load_catalogue().sections}
    assert headings <= {t for t, d, _ in marks if d == 1}
    assert len(pages_used) > 10  # not all on page 1


def _link_targets(doc: pikepdf.Pdf, page_index: int) -> list[int]:
    index = {p.objgen: i for i, p in enumerate(p.obj for p in doc.pages)}
    dests = {}
    names = doc.Root.Names.Dests.Names if "/Dests" in doc.Root.Names else []
    for i in range(0, len(names), 2):
        dests[str(names[i])] = names[i + 1]
    out = []
    for a in doc.pages[page_index].get("/Annots", []):
        if a.Subtype != "/Link":
            continue
        dest = a.get("/Dest") or a.get("/A", {}).get("/D")
        if isinstance(dest, (pikepdf.String, pikepdf.Name)):
            dest = dests[str(dest).lstrip("/")]
        out.append(index[dest[0].objgen])
    return out


def test_page_one_and_coverage_link_to_the_pages_they_cite(demo_report: Exported, doc: pikepdf.Pdf) -> None:
    pages = demo_report.pages
    first = " ".join(pages[0].split())
    index = {p.objgen: i for i, p in enumerate(p.obj for p in doc.pages)}
    at = {title: index[page.objgen] for title, depth, page in _outline_pages(doc) if depth == 1}
    findings_page = at["F Findings: failed and undecidable checks"]
    assert f"Findings p. {findings_page + 1}" in first
    assert findings_page in _link_targets(doc, 0)
    cov_page, s6 = at["Appendix A Coverage matrix"], at["S6 Fairness and bias examination"]
    assert cov_page < s6  # part 1 cites a page of part 2
    assert f"S6 p. {s6 + 1}" in pages[cov_page] + pages[cov_page + 1]
    assert s6 in {t for i in range(cov_page, cov_page + 6) for t in _link_targets(doc, i)}


def test_qpdf_sees_no_damage_after_finishing(demo_report: Exported) -> None:
    from tests.reports.report_helpers import run_tool

    proc = run_tool("qpdf", "--check", str(demo_report.pdf))
    assert proc.returncode == 0 and not re.search(r"WARNING", proc.stdout + proc.stderr), proc.stdout + proc.stderr
