"""QR codes as inline SVG for pages and as PNG for PDFs and downloads."""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from markupsafe import Markup

LEVELS = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
          "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}


def _code(data: str | bytes, level: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=LEVELS[level], border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg(data: str | bytes, label: str, level: str = "M") -> Markup:
    """An inline SVG QR code; ``label`` is what a screen reader says instead of the picture."""
    image = _code(data, level).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" class="qr" ', 1)
    return Markup(svg)


def qr_png(data: str | bytes, level: str = "M", box_size: int = 8) -> bytes:
    code = _code(data, level)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
