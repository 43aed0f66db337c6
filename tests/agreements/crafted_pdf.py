"""A PDF built to make a verifier work hard: the shape of the file an attack run used against
the verify page (issue #13). Generated on demand, never committed: it is about 14 MB."""


def crafted_pdf(*, objects: int = 330_000, markers: int = 20) -> bytes:
    """Hundreds of thousands of null objects with a valid cross-reference table, then
    `startxref`/`%%EOF` repeated `markers` times, and junk after the last: the whole file does
    not read as a PDF, but every prefix ending at a marker has to be parsed to find that out."""
    parts = [b"%PDF-1.7\n"]
    offsets = []
    position = len(parts[0])
    for number in range(1, objects + 1):
        line = b"%d 0 obj null endobj\n" % number
        offsets.append(position)
        parts.append(line)
        position += len(line)
    xref_at = position
    parts.append(b"xref\n0 %d\n0000000000 65535 f \n" % (objects + 1))
    parts.extend(b"%010d 00000 n \n" % offset for offset in offsets)
    parts.append(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (objects + 1))
    for marker in range(markers):
        parts.append(b"startxref\n%d\n%%%%EOF\n" % xref_at)
        parts.append(b"junk %d after the marker\n" % marker)
    parts.append(b"\x00 trailing junk that is not PDF syntax \xff\n" * 4096)
    return b"".join(parts)
