"""Cover images for articles: abstract computer-generated art in the category's colours, headline on top.

Pure Pillow, no Django, so a task worker, a management command or a test can call it alike.
Every choice comes from one RNG seeded by the inputs, and the encoders get explicit settings and
no timestamps, so the same article always yields the same bytes and a cover only needs redoing
when ``fingerprint`` changes. Each file says in its XMP that it is algorithmic art, not a photo.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import json
import math
import os
import random
import re
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFilter, ImageFont

GENERATOR_VERSION = "2"  # bump whenever drawing, layout, fonts or encoder settings change

SIZES = {"og": (1200, 630), "card": (800, 450), "thumb": (400, 225)}
FORMATS = ("webp", "jpeg")

W, H = SIZES["og"]
SS = 3  # ImageDraw does not antialias, so shapes are drawn 3x larger and box-reduced
SAFE_X = (W - H * 16 // 9) // 2  # the 16:9 sizes crop 40 px off each side of the 1.91:1 canvas
MARGIN = 64  # from the edges that survive every crop
TEXT_X = SAFE_X + MARGIN
TITLE_MAX_WIDTH = W - 2 * TEXT_X - 40  # a little short of the right margin so the art keeps a corner

DEFAULT_COLOR = "#1f4e79"
DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"
AI_MARK = {"ko": "컴퓨터 생성 이미지", "en": "Computer-generated art"}
DESCRIPTION = {
    "ko": "기사 설명을 위해 컴퓨터로 생성한 추상 이미지이며 사진이 아닙니다.",
    "en": "Computer-generated abstract art for illustration; not a photograph.",
}
JPEG_OPTIONS = {"quality": 85, "optimize": True, "progressive": True, "subsampling": "4:2:0"}
WEBP_OPTIONS = {"quality": 82, "method": 4, "lossless": False, "exact": False}
ENCODE_THREADS = 2  # the machines this runs on have two cores; more threads only contend

FONT_ENV = "COVER_FONT_PATH"
NOTO_DIR = "/usr/share/fonts/opentype/noto"
NANUM_DIR = "/usr/share/fonts/truetype/nanum"
SYSTEM_FONTS = {
    True: ((f"{NOTO_DIR}/NotoSansCJK-Bold.ttc", 1), (f"{NANUM_DIR}/NanumGothicBold.ttf", 0)),
    False: ((f"{NOTO_DIR}/NotoSansCJK-Regular.ttc", 1), (f"{NANUM_DIR}/NanumGothic.ttf", 0)),
}
INSTALL_HINT = (
    "No font with Hangul glyphs was found for cover images. Install one "
    "(Debian/Ubuntu: `apt-get install fonts-noto-cjk`, or `fonts-nanum`), "
    f"or point {FONT_ENV} at a font file, e.g. {FONT_ENV}=/path/NotoSansCJK-Bold.ttc:1"
)

RGB = tuple[int, int, int]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
WHITE: RGB = (255, 255, 255)


class CoverFontMissing(RuntimeError):
    """No usable font can draw Hangul, so Korean headlines would come out as empty boxes."""


# --- fonts -------------------------------------------------------------------------------------


def find_font(bold: bool = True) -> tuple[str, int]:
    """(path, face index) of the first font that really draws Hangul; see SYSTEM_FONTS for the order."""
    return _find_font(os.environ.get(FONT_ENV, ""), bold)


@functools.lru_cache(maxsize=8)
def _find_font(env_value: str, bold: bool) -> tuple[str, int]:
    candidates = [_parse_font_spec(env_value)] if env_value else []
    # The other weight comes last: a cover in the wrong weight beats no cover at all.
    candidates += [*SYSTEM_FONTS[bold], *SYSTEM_FONTS[not bold]]
    for path, index in candidates:
        if _has_hangul(path, index):
            return path, index
    raise CoverFontMissing(INSTALL_HINT)


def _parse_font_spec(spec: str) -> tuple[str, int]:
    path, _, index = spec.rpartition(":")
    return (path, int(index)) if path and index.isdigit() else (spec, 0)


def _has_hangul(path: str, index: int) -> bool:
    if not os.path.isfile(path):
        return False
    try:
        font = _load_font(path, index, 32)
    except OSError:
        return False
    # The glyph must exist and draw ink: some fonts map Hangul to blank placeholder glyphs.
    return _has_glyph(font, "한") and font.getmask("한").getbbox() is not None


@functools.lru_cache(maxsize=64)
def _load_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    path, index = find_font(bold)
    return _load_font(path, index, size)


def _glyph_signature(font: ImageFont.FreeTypeFont, char: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


@functools.lru_cache(maxsize=8192)
def _has_glyph(font: ImageFont.FreeTypeFont, char: str) -> bool:
    # A font without the glyph still draws something (its .notdef box), so "not empty" proves
    # nothing; compare with what it draws for a private-use code point no font maps.
    return _glyph_signature(font, char) != _glyph_signature(font, "\U0010fffd")


def _drawable(text: str, font: ImageFont.FreeTypeFont) -> str:
    """Drop characters the font would show as tofu (emoji, rare scripts) rather than draw boxes."""
    kept = "".join(ch for ch in text if ch.isascii() or HANGUL.match(ch) or _has_glyph(font, ch))
    return re.sub(" +", " ", kept).strip()


# --- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    title: str
    category: str
    color: str
    language: str
    seed: str
    site_name: str

    @classmethod
    def of(cls, *, title, category, color, language, seed, site_name) -> _Inputs:
        return cls(
            title=_clean_text(title),
            category=_clean_text(category),
            color=_normalise_color(color),
            language="ko" if str(language or "").lower().startswith("ko") else "en",
            seed=str(seed),
            site_name=_clean_text(site_name) or "Newsroom",
        )

    def digest(self) -> bytes:
        return hashlib.sha256(json.dumps(asdict(self), ensure_ascii=False, sort_keys=True).encode()).digest()


def _clean_text(value: object) -> str:
    # NFC joins decomposed Hangul jamo (as pasted from macOS) into the syllables fonts draw.
    text = unicodedata.normalize("NFC", str(value or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch.isspace())
    return re.sub(r"\s+", " ", text).strip()


def _normalise_color(value: object) -> str:
    hex_digits = str(value or "").strip().lstrip("#").lower()
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    return f"#{hex_digits}" if re.fullmatch(r"[0-9a-f]{6}", hex_digits) else DEFAULT_COLOR


def fingerprint(*, title, category, color, language, seed, site_name="Newsroom") -> str:
    """16 hex chars that change whenever the rendered covers would, for cache keys and file names."""
    inputs = _Inputs.of(title=title, category=category, color=color, language=language, seed=seed, site_name=site_name)
    payload = {"inputs": inputs.digest().hex(), "generator": GENERATOR_VERSION, "fonts": _font_identity()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _font_identity() -> list[object]:
    # Installing a different font changes every cover, so it belongs in the fingerprint.
    identity: list[object] = []
    for bold in (True, False):
        try:
            path, index = find_font(bold)
            identity.append([path, index, os.path.getsize(path)])
        except CoverFontMissing:
            identity.append(None)
    return identity


# --- colour ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Palette:
    ink: RGB  # near-black in the category hue: scrims read as part of the picture, not as grey
    deep: RGB
    base: RGB
    light: RGB
    pale: RGB
    analog: RGB  # a neighbouring hue, for depth without clashing
    accent: RGB  # the harmony partner: complement, split complement or triad
    accent_soft: RGB
    tag: RGB  # the category colour as the site shows it, lightness clamped so its label stays readable

    def ramp(self, t: float) -> RGB:
        """Colour at t in 0..1 along deep -> base -> light -> pale."""
        stops = (self.deep, self.base, self.light, self.pale)
        t = min(max(t, 0.0), 1.0) * (len(stops) - 1)
        i = min(int(t), len(stops) - 2)
        return _mix(stops[i], stops[i + 1], t - i)


def _hls(h: float, l: float, s: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, min(max(l, 0.0), 1.0), min(max(s, 0.0), 1.0))
    return round(r * 255), round(g * 255), round(b * 255)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _luma(c: RGB) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _palette(color: str, rng: random.Random) -> _Palette:
    rgb = tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))
    h, l, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    if s < 0.08:
        # Greys have no hue to harmonise with: keep them grey and borrow a warm accent.
        s, partner = min(s, 0.05), 0.08
        accent_s = 0.6
    else:
        # Clamp so washed-out or neon category colours still give a usable range of shades.
        s = min(max(s, 0.35), 0.8)
        partner = h + rng.choice((0.5, 0.42, 0.58, 0.33, 0.67))
        accent_s = min(max(s * 0.9, 0.4), 0.65)  # a partner, not a rival: kept below the main colour
    return _Palette(
        ink=_hls(h, 0.08, s * 0.55),
        deep=_hls(h, 0.2, s * 0.85),
        base=_hls(h, min(max(l, 0.32), 0.52), s),
        light=_hls(h + 0.03, 0.66, s * 0.8),
        pale=_hls(h + 0.05, 0.88, s * 0.55),
        analog=_hls(h - 0.07, 0.42, s),
        accent=_hls(partner, 0.6, accent_s),
        accent_soft=_hls(partner, 0.8, accent_s * 0.6),
        tag=_hls(h, min(max(l, 0.3), 0.5), s),
    )


# --- drawing primitives ------------------------------------------------------------------------


def _smooth(edge0: float, edge1: float, x: float) -> float:
    t = min(max((x - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3 - 2 * t)


def _field(fn: Callable[[float, float], float], size: tuple[int, int] = (W, H)) -> Image.Image:
    """Greyscale map of fn(x, y) -> 0..1 over an image of the given size.

    Sampled on a coarse grid and upscaled: gradients are smooth, so per-pixel Python would only burn time.
    """
    width, height = size
    gw, gh = max(2, round(width / 30)), max(2, round(height / 30))
    sx, sy = width / gw, height / gh  # samples sit at grid-cell centres, where resize expects them
    grid = Image.new("L", (gw, gh))
    grid.putdata(
        [round(255 * min(max(fn((x + 0.5) * sx, (y + 0.5) * sy), 0.0), 1.0)) for y in range(gh) for x in range(gw)]
    )
    return grid.resize(size, Image.Resampling.BICUBIC)


def _linear_gradient(start: RGB, end: RGB, angle: float, size: tuple[int, int] = (W, H)) -> Image.Image:
    dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    corners = [x * dx + y * dy for x in (0, size[0]) for y in (0, size[1])]
    lo, hi = min(corners), max(corners)
    mask = _field(lambda x, y: _smooth(lo, hi, x * dx + y * dy), size)
    image = Image.new("RGB", size, start)
    image.paste(end, (0, 0, *size), mask)  # a colour through a mask: no second full-size image to allocate
    return image


def _shade(canvas: Image.Image, color: RGB, fn: Callable[[float, float], float]) -> Image.Image:
    """Lay color over the canvas, in place, with a per-position opacity: light falloff, scrims."""
    canvas.paste(color, (0, 0, *canvas.size), _field(fn, canvas.size))
    return canvas


Box = tuple[int, int, int, int]
FULL: Box = (0, 0, W, H)


def _region(x0: float, y0: float, x1: float, y1: float, pad: float = 2) -> Box:
    """Whole-pixel box around a shape, clipped to the canvas: pens only pay for the area they touch."""
    left, top = max(0, math.floor(x0 - pad)), max(0, math.floor(y0 - pad))
    return left, top, min(W, math.ceil(x1 + pad)), min(H, math.ceil(y1 + pad))


def _box_size(box: Box) -> tuple[int, int]:
    return box[2] - box[0], box[3] - box[1]


class _Pen:
    """Draws on an SS-times larger copy of a region and folds it back, which antialiases plain ImageDraw.

    The copy is a nearest-neighbour upscale, so untouched pixels come back exactly as they were.
    Works on "RGB" canvases (fill is a colour) and "L" masks (fill is an opacity 0..255).
    Coordinates are always canvas coordinates, whatever the region.
    """

    def __init__(self, canvas: Image.Image | None, box: Box = FULL):
        """Pen over box of canvas; with no canvas, over a blank opacity mask the size of box."""
        self.canvas, self.box = canvas, box
        width, height = _box_size(box)
        if canvas is None:
            self.big = Image.new("L", (width * SS, height * SS), 0)
        else:
            region = canvas if box == (0, 0, *canvas.size) else canvas.crop(box)
            self.big = region.resize((width * SS, height * SS), Image.Resampling.NEAREST)
        self.draw = ImageDraw.Draw(self.big)

    def _xy(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.box[0]) * SS, (y - self.box[1]) * SS

    def _circle_box(self, cx: float, cy: float, r: float) -> list[float]:
        return [*self._xy(cx - r, cy - r), *self._xy(cx + r, cy + r)]

    def circle(self, cx: float, cy: float, r: float, fill) -> None:
        self.draw.ellipse(self._circle_box(cx, cy, r), fill=fill)

    def ring(self, cx: float, cy: float, r: float, width: float, fill) -> None:
        self.draw.ellipse(self._circle_box(cx, cy, r), outline=fill, width=max(1, round(width * SS)))

    def pie(self, cx: float, cy: float, r: float, start: float, end: float, fill) -> None:
        self.draw.pieslice(self._circle_box(cx, cy, r), start, end, fill=fill)

    def polygon(self, points: list[tuple[float, float]], fill) -> None:
        self.draw.polygon([self._xy(x, y) for x, y in points], fill=fill)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill, radius: float = 0) -> None:
        (bx0, by0), (bx1, by1) = self._xy(x0, y0), self._xy(x1, y1)
        box = [bx0, by0, bx1 - 1, by1 - 1]
        if radius:
            self.draw.rounded_rectangle(box, radius=radius * SS, fill=fill)
        else:
            self.draw.rectangle(box, fill=fill)

    def done(self) -> Image.Image:
        """The canvas with the shapes in (the same object, unless the pen covered all of it), or the mask."""
        small = self.big.reduce(SS)
        if self.canvas is None or self.box == (0, 0, *self.canvas.size):
            return small
        self.canvas.paste(small, self.box[:2])
        return self.canvas


def _paint(canvas: Image.Image, fill: RGB | Image.Image, box: Box, shapes: Callable[[_Pen], None]) -> None:
    """Fill antialiased shapes inside box with a colour or a box-sized image (a gradient), at the opacity drawn."""
    pen = _Pen(None, box)
    shapes(pen)
    canvas.paste(fill, box, pen.done())


def _dot_grid(pen: _Pen, x: float, y: float, cols: int, rows: int, gap: float, r: float, fill) -> None:
    for i in range(cols):
        for j in range(rows):
            pen.circle(x + i * gap, y + j * gap, r, fill)


# --- art styles --------------------------------------------------------------------------------
# Each returns a W x H RGB image; the left and bottom get darkened under the headline later,
# so the busiest parts are kept towards the top right.


def _art_orbs(rng: random.Random, pal: _Palette) -> Image.Image:
    """Soft out-of-focus light behind a couple of crisp gradient spheres."""
    # The background and its glow are painted at 1/6 scale and blurred there: blur cost grows with
    # area, and whatever detail the full size would add is blurred away anyway.
    small = _linear_gradient(pal.deep, pal.base, rng.uniform(200, 340), (W // 6, H // 6))
    glow = small.copy()
    draw = ImageDraw.Draw(glow)
    for _ in range(rng.randint(4, 6)):
        cx, cy = rng.uniform(0.3, 1.05) * small.width, rng.uniform(-0.15, 0.85) * small.height
        r = rng.uniform(0.12, 0.28) * small.width
        color = rng.choice((pal.light, pal.accent, pal.analog, pal.accent_soft))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=color)
    glow = glow.filter(ImageFilter.GaussianBlur(small.width * 0.07))
    canvas = Image.blend(small, glow, 0.8).resize((W, H), Image.Resampling.BICUBIC)

    cx, cy, r = W * rng.uniform(0.64, 0.8), H * rng.uniform(0.3, 0.5), H * rng.uniform(0.3, 0.38)
    box = _region(cx - r, cy - r, cx + r, cy + r)
    sphere = _linear_gradient(pal.accent_soft, pal.accent, rng.uniform(30, 80), _box_size(box))
    _paint(canvas, sphere, box, lambda pen: pen.circle(cx, cy, r, 255))
    # A second, translucent sphere overlapping the first reads as depth rather than clutter.
    side = rng.choice((-1, 1))
    cx2, cy2, r2 = cx + side * r * rng.uniform(0.7, 1.0), cy + r * rng.uniform(0.2, 0.6), r * rng.uniform(0.5, 0.75)
    box = _region(cx2 - r2, cy2 - r2, cx2 + r2, cy2 + r2)
    veil = _linear_gradient(pal.pale, pal.light, rng.uniform(200, 260), _box_size(box))
    _paint(canvas, veil, box, lambda pen: pen.circle(cx2, cy2, r2, 170))

    pen = _Pen(canvas)
    pen.ring(cx, cy, r * rng.uniform(1.18, 1.32), 2.5, pal.pale)
    pen.circle(cx - side * r * 0.95, cy - r * 0.8, r * 0.09, pal.pale)
    _dot_grid(pen, W * rng.uniform(0.45, 0.55), H * 0.12, 6, 4, 22, 2.6, pal.light)
    return pen.done()


def _art_bands(rng: random.Random, pal: _Palette) -> Image.Image:
    """Diagonal bands stepping through the palette, lit from one end so each band carries a gradient."""
    angle = math.radians(rng.choice((-1, 1)) * rng.uniform(20, 34))
    tx, ty = math.cos(angle), math.sin(angle)
    nx, ny = -ty, tx
    along = [x * nx + y * ny for x in (0, W) for y in (0, H)]
    lo, hi = min(along), max(along)
    canvas = _linear_gradient(pal.ink, pal.deep, math.degrees(angle) + 90)

    pen = _Pen(canvas)
    # The first band's edge runs through the sun, so half of it shows, setting behind the bands.
    sun_x, sun_y, sun_r = W * rng.uniform(0.66, 0.8), H * rng.uniform(0.3, 0.45), H * rng.uniform(0.15, 0.21)
    pen.circle(sun_x, sun_y, sun_r, pal.accent)
    pen.circle(sun_x, sun_y, sun_r * 0.6, pal.accent_soft)
    offset = sun_x * nx + sun_y * ny
    count = rng.randint(6, 9)
    accent_at = rng.randrange(2, count)
    far = 3 * W  # long enough to cross the canvas at any angle
    for i in range(count):
        # Each band is a half-plane painted over the previous one, so neighbours share an exact edge.
        color = pal.accent if i == accent_at else pal.ramp(0.8 * (1 - i / (count - 1)))  # pale reads as grey in bulk
        p = (nx * offset, ny * offset)
        q = (p[0] + nx * far, p[1] + ny * far)
        pen.polygon(
            [(p[0] - tx * far, p[1] - ty * far), (p[0] + tx * far, p[1] + ty * far),
             (q[0] + tx * far, q[1] + ty * far), (q[0] - tx * far, q[1] - ty * far)],
            color,
        )
        offset += (hi - lo) * rng.uniform(0.05, 0.14)
        if rng.random() < 0.3:
            line = offset - 10  # a hairline inside the band, like a print register mark
            a, b = (nx * line, ny * line), (nx * (line + 3), ny * (line + 3))
            pen.polygon([(a[0] - tx * far, a[1] - ty * far), (a[0] + tx * far, a[1] + ty * far),
                         (b[0] + tx * far, b[1] + ty * far), (b[0] - tx * far, b[1] - ty * far)], pal.pale)
    canvas = pen.done()
    # Light falls along the bands: every band fades from lit to shaded.
    return _shade(canvas, pal.ink, lambda x, y: 0.55 * (1 - _smooth(-W * 0.2, W * 1.1, x * tx + y * ty)))


def _art_tiles(rng: random.Random, pal: _Palette) -> Image.Image:
    """A Bauhaus-like grid of quarter circles, half circles and triangles, calmer towards the headline."""
    rows = rng.choice((4, 5))
    cell = math.ceil(H / rows)
    cols = math.ceil(W / cell)
    x0 = W - cols * cell  # align to the right edge, where the art is most visible
    canvas = Image.new("RGB", (W, H), pal.ink)
    pen = _Pen(canvas)
    grounds = (pal.deep, pal.base, pal.base, pal.analog, pal.ink)
    figures = (pal.light, pal.pale, pal.accent, pal.accent, pal.accent_soft, pal.deep)
    for i in range(cols):
        for j in range(rows):
            x, y = x0 + i * cell, j * cell
            ground = rng.choice(grounds)
            pen.rect(x, y, x + cell, y + cell, ground)
            busy = 0.15 + 0.8 * _smooth(0.1, 0.75, (x + cell / 2) / W)
            if rng.random() < busy:
                figure = rng.choice([f for f in figures if f != ground])
                _tile_motif(pen, rng, x, y, cell, figure, ground)
    canvas = pen.done()
    return _shade(canvas, pal.ink, lambda x, y: 0.25 * (1 - _smooth(0, W * 0.9, math.hypot(x - W, y))))


def _tile_motif(pen: _Pen, rng: random.Random, x: float, y: float, c: float, fill: RGB, ground: RGB) -> None:
    corner = rng.randrange(4)
    cx, cy = (x, x + c, x + c, x)[corner], (y, y, y + c, y + c)[corner]
    motif = rng.choice(("quarter", "quarter", "half", "circle", "triangle", "ring", "stripes"))
    if motif == "quarter":
        # Pillow's angles run clockwise from 3 o'clock, so 90 * corner is the quarter facing into the cell.
        pen.pie(cx, cy, c, 90 * corner, 90 * corner + 90, fill)
    elif motif == "half":
        side = rng.randrange(4)
        mx, my = (x + c / 2, x + c, x + c / 2, x)[side], (y, y + c / 2, y + c, y + c / 2)[side]
        start = (0, 90, 180, 270)[side]
        pen.pie(mx, my, c / 2, start, start + 180, fill)
    elif motif == "circle":
        pen.circle(x + c / 2, y + c / 2, c * 0.36, fill)
    elif motif == "triangle":
        pts = [(x, y), (x + c, y), (x + c, y + c), (x, y + c)]
        del pts[corner]
        pen.polygon(pts, fill)
    elif motif == "ring":
        pen.ring(x + c / 2, y + c / 2, c * 0.3, c * 0.09, fill)
        pen.circle(x + c / 2, y + c / 2, c * 0.08, fill)
    else:
        bar = c / 7
        for k in range(3):
            pen.rect(x + bar * (1 + 2 * k), y + bar, x + bar * (2 + 2 * k), y + c - bar, fill)


def _art_arcs(rng: random.Random, pal: _Palette) -> Image.Image:
    """Thick nested rings rising from an edge, like a printed rainbow, lit from one side."""
    canvas = _linear_gradient(pal.ink, pal.deep, rng.uniform(190, 250))
    cx, cy = rng.choice(((W * 0.86, H * 1.02), (W * 1.0, H * 0.55), (W * 0.74, H * 1.0)))
    colors = [pal.accent, pal.light, pal.base, pal.pale, pal.analog, pal.accent_soft]
    start = rng.randrange(len(colors))
    pen = _Pen(canvas)
    r = W * rng.uniform(0.5, 0.62)
    k = 0
    while r > 50:
        width = min(rng.uniform(36, 80), r - 20)
        if rng.random() < 0.2:
            pen.ring(cx, cy, r - width / 2, 3, pal.pale)  # a hairline now and then sets the rhythm
        else:
            pen.ring(cx, cy, r, width, colors[(start + k) % len(colors)])
            k += 1
        r -= width + rng.uniform(12, 30)
    pen.circle(cx, cy, max(r, 16), pal.accent)
    _dot_grid(pen, W * rng.uniform(0.42, 0.5), H * 0.16, 5, 5, 20, 2.4, pal.light)
    canvas = pen.done()
    # Light from the upper left gives the flat rings a gradient, dimming towards the far edge.
    lx, ly = cx - W * 0.5, cy - H * 0.9
    return _shade(canvas, pal.ink, lambda x, y: 0.45 * _smooth(W * 0.2, W * 1.3, math.hypot(x - lx, y - ly)))


def _art_ridges(rng: random.Random, pal: _Palette) -> Image.Image:
    """Layered hills under a low sun: far ridges light, near ones dark enough to carry the headline."""
    canvas = _linear_gradient(pal.deep, pal.base, 90 + rng.uniform(-15, 15))
    pen = _Pen(canvas)
    pen.circle(W * rng.uniform(0.62, 0.84), H * rng.uniform(0.2, 0.36), H * rng.uniform(0.1, 0.15), pal.accent_soft)
    layers = rng.randint(4, 5)
    for k in range(layers):
        t = k / (layers - 1)
        base_y = H * (0.34 + 0.5 * t)
        # Three sine waves per ridge; nearer ridges are flatter, like hills seen across a valley.
        waves = [(rng.uniform(0.6, 2.2), rng.uniform(0, math.tau), rng.uniform(10, 44) * (1 - 0.4 * t))
                 for _ in range(3)]
        points = [(-10.0, H + 10.0)]
        for step in range(0, 61):
            x = -10 + (W + 20) * step / 60
            y = base_y + sum(a * math.sin(f * math.tau * x / W + ph) for f, ph, a in waves)
            points.append((x, y))
        points.append((W + 10.0, H + 10.0))
        color = pal.accent if k == 1 and rng.random() < 0.5 else _mix(pal.light, pal.ink, t ** 0.8)
        pen.polygon(points, color)
    return pen.done()


STYLES = (_art_orbs, _art_bands, _art_tiles, _art_arcs, _art_ridges)


# --- typography --------------------------------------------------------------------------------

TITLE_SIZES = (80, 74, 68, 62, 56, 52, 48)
TITLE_LINES = 3  # at the smallest size one more line is allowed before the ellipsis
ELLIPSIS = "…"


@dataclass(frozen=True)
class _TitleLayout:
    size: int
    lines: tuple[str, ...]
    line_height: int
    truncated: bool


def _title_font(size: int, language: str) -> ImageFont.FreeTypeFont:
    # Hangul syllables fill the em square, Latin lowercase does not: a slightly smaller size balances them.
    return _font(True, round(size * 0.92) if language == "ko" else size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy wrap by words; a word longer than the line (long Hangul runs, URLs) breaks between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
        elif font.getlength(word) <= width:
            lines.append(line)
            line = word
        else:
            line = f"{line} " if line else ""
            for ch in word:
                if line.strip() and font.getlength(line + ch) > width:
                    lines.append(line.rstrip())
                    line = ""
                line += ch
    if line:
        lines.append(line)
    return lines


def _balanced_wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Same line count as a greedy wrap, but with lines of similar length: no lone word on the last line."""
    lines = _wrap(text, font, width)
    if len(lines) < 2:
        return lines
    lo, hi = width * 0.4, width
    for _ in range(10):
        mid = (lo + hi) / 2
        if len(_wrap(text, font, mid)) <= len(lines):
            hi = mid
        else:
            lo = mid
    return _wrap(text, font, hi)


def _ellipsize(line: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    line = line.rstrip(" ,.;:·-—")
    while line and font.getlength(line + ELLIPSIS) > width:
        # Prefer cutting at a space, so the ellipsis does not split a word.
        cut = line.rfind(" ")
        line = (line[:cut] if cut > 0 and len(line) - cut < 12 else line[:-1]).rstrip(" ,.;:·-—")
    return line + ELLIPSIS


def _layout_title(title: str, language: str, width: float = TITLE_MAX_WIDTH) -> _TitleLayout:
    """Largest size at which the title fits in three lines; four lines and an ellipsis at the smallest."""
    line_factor = 1.3 if language == "ko" else 1.14  # Hangul is taller and denser; it needs more leading
    for size in TITLE_SIZES:
        font = _title_font(size, language)
        # Balancing never adds a line, so the cheap greedy wrap decides the size.
        if len(_wrap(title, font, width)) <= TITLE_LINES:
            return _TitleLayout(size, tuple(_balanced_wrap(title, font, width)), round(size * line_factor), False)
    size = TITLE_SIZES[-1]
    font = _title_font(size, language)
    lines = _wrap(title, font, width)
    limit = TITLE_LINES + 1
    if len(lines) <= limit:
        return _TitleLayout(size, tuple(lines), round(size * line_factor), False)
    kept = lines[: limit - 1] + [_ellipsize(" ".join(lines[limit - 1 :]), font, width)]
    return _TitleLayout(size, tuple(kept), round(size * line_factor), True)


def _fit_line(text: str, font: ImageFont.FreeTypeFont, width: float, tracking: float = 0) -> str:
    """One line, shortened with an ellipsis if it would run past width (long category or site names)."""
    if _tracked_length(text, font, tracking) <= width:
        return text
    while text and _tracked_length(text + ELLIPSIS, font, tracking) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _tracked_length(text: str, font: ImageFont.FreeTypeFont, tracking: float) -> float:
    return font.getlength(text) + tracking * max(len(text) - 1, 0)


def _draw_tracked(draw: ImageDraw.ImageDraw, x: float, y: float, text: str, font, fill: RGB, tracking: float) -> None:
    # Pillow has no letter-spacing, so small caps labels are set one character at a time.
    if not tracking:
        draw.text((x, y), text, font=font, fill=fill, anchor="ls")
        return
    for ch in text:
        draw.text((x, y), ch, font=font, fill=fill, anchor="ls")
        x += font.getlength(ch) + tracking


# --- composition -------------------------------------------------------------------------------


def _needed_opacity(region: Image.Image, ink: RGB, target: float, floor: float) -> float:
    """Scrim opacity that brings the brightest tenth of region down to target luma for white text."""
    histogram = region.convert("L").histogram()
    total, seen, p90 = sum(histogram), 0, 255
    for value, count in enumerate(histogram):
        seen += count
        if seen >= total * 0.9:
            p90 = value
            break
    if p90 <= target:
        return floor
    return min(max((p90 - target) / (p90 - _luma(ink)), floor), 0.92)


TAG_HEIGHT, TAG_PAD, TAG_TRACKING, TAG_GAP = 34, 14, 2.2, 22
CHIP_TOP, CHIP_HEIGHT = 40, 42
MARK_TEXT: RGB = (236, 236, 240)


@dataclass(frozen=True)
class _TitleBlock:
    """Where the headline sits: baselines are counted up from the bottom margin."""

    layout: _TitleLayout
    font: ImageFont.FreeTypeFont
    first_baseline: int
    top: int
    right: float

    @classmethod
    def place(cls, title: str, language: str) -> _TitleBlock:
        layout = _layout_title(title, language)
        font = _title_font(layout.size, language)
        last_baseline = H - MARGIN - round(layout.size * 0.22)  # room for Latin descenders
        first_baseline = last_baseline - (len(layout.lines) - 1) * layout.line_height
        top = first_baseline - round(layout.size * 0.86)  # cap height of Hangul, the taller script
        right = TEXT_X + max((font.getlength(line) for line in layout.lines), default=0)
        return cls(layout, font, first_baseline, top, right)


def _compose(inputs: _Inputs) -> Image.Image:
    """The full-size cover: art, a scrim under the headline, chips and tag, then the text."""
    rng = random.Random(int.from_bytes(inputs.digest(), "big"))
    pal = _palette(inputs.color, rng)
    canvas = rng.choice(STYLES)(rng, pal)
    block = _TitleBlock.place(_drawable(inputs.title, _font(True, 30)), inputs.language)
    canvas = _scrim(canvas, pal.ink, block.top, block.right)
    _top_chips(canvas, pal, inputs)
    _category_tag(canvas, pal, inputs.category, bottom=block.top - TAG_GAP)

    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(block.layout.lines):
        y = block.first_baseline + i * block.layout.line_height
        draw.text((TEXT_X, y), line, font=block.font, fill=WHITE, anchor="ls")
    return canvas


def _scrim(canvas: Image.Image, ink: RGB, title_top: float, title_right: float) -> Image.Image:
    """Darken under the headline, only as much as this art needs and never less than a floor."""
    strength = _needed_opacity(canvas.crop((0, round(title_top), round(title_right) + 20, H)), ink, 70, 0.55)

    def opacity(x: float, y: float) -> float:
        fade_in = _smooth(title_top - 200, title_top + 10, y)
        return strength * fade_in * (1 - 0.4 * _smooth(title_right + 60, W + 240, x))  # the art keeps its right edge

    return _shade(canvas, ink, opacity)


def _top_chips(canvas: Image.Image, pal: _Palette, inputs: _Inputs) -> None:
    """Site name top left, the computer-generated mark top right, each on a translucent pill."""
    site_font, mark_font = _font(True, 24), _font(False, 17)
    site = _fit_line(_drawable(inputs.site_name, site_font), site_font, 480)
    mark = AI_MARK[inputs.language]
    site_chip = (TEXT_X, CHIP_TOP, TEXT_X + 52 + site_font.getlength(site), CHIP_TOP + CHIP_HEIGHT)
    mark_chip = (W - TEXT_X - 56 - mark_font.getlength(mark), CHIP_TOP, W - TEXT_X, CHIP_TOP + CHIP_HEIGHT)
    strip = _region(0, CHIP_TOP, W, CHIP_TOP + CHIP_HEIGHT)

    # Pills as dark as the art behind them needs for their text, but always there, for a steady look.
    chips = (site_chip, mark_chip)
    strengths = [_needed_opacity(canvas.crop(tuple(round(v) for v in box)), pal.ink, 90, 0.45) for box in chips]

    def pills(pen: _Pen) -> None:
        for box, strength in zip(chips, strengths):
            pen.rect(*box, fill=round(255 * strength), radius=CHIP_HEIGHT / 2)

    _paint(canvas, pal.ink, strip, pills)
    middle = CHIP_TOP + CHIP_HEIGHT / 2
    pen = _Pen(canvas, strip)
    pen.circle(site_chip[0] + 20, middle, 6, pal.accent)  # a small brand dot before the site name
    _sparkle(pen, mark_chip[0] + 20, middle, 8, pal.accent_soft)
    pen.done()
    draw = ImageDraw.Draw(canvas)
    draw.text((site_chip[0] + 34, middle), site, font=site_font, fill=WHITE, anchor="lm")
    draw.text((mark_chip[2] - 18, middle), mark, font=mark_font, fill=MARK_TEXT, anchor="rm")


def _category_tag(canvas: Image.Image, pal: _Palette, category: str, bottom: float) -> None:
    """The category on a pill in its own colour, just above the headline."""
    font = _font(True, 19)
    label = _drawable(category.upper(), font)
    if not label:
        return
    # Spaced capitals suit Latin labels; spaced-out Hangul just looks broken.
    tracking = 0 if HANGUL.search(label) else TAG_TRACKING
    label = _fit_line(label, font, 480, tracking)
    box = (TEXT_X, bottom - TAG_HEIGHT, TEXT_X + _tracked_length(label, font, tracking) + 2 * TAG_PAD, bottom)
    pen = _Pen(canvas, _region(*box))
    pen.rect(*box, pal.tag, radius=TAG_HEIGHT / 2)
    pen.done()
    text = WHITE if _luma(pal.tag) < 150 else pal.ink  # whichever reads on the category colour
    _draw_tracked(ImageDraw.Draw(canvas), TEXT_X + TAG_PAD, bottom - 11, label, font, text, tracking)


def _sparkle(pen: _Pen, cx: float, cy: float, r: float, fill: RGB) -> None:
    """Four-pointed star: the common visual shorthand for generated imagery."""
    waist = r * 0.28
    pen.polygon(
        [(cx, cy - r), (cx + waist, cy - waist), (cx + r, cy), (cx + waist, cy + waist),
         (cx, cy + r), (cx - waist, cy + waist), (cx - r, cy), (cx - waist, cy - waist)],
        fill,
    )


# --- output ------------------------------------------------------------------------------------


def _xmp(inputs: _Inputs) -> bytes:
    """XMP packet marking the file as algorithmic media (IPTC digital source type), with title and credit."""

    def alt(text: str, ko: str | None = None) -> str:
        items = f'<rdf:li xml:lang="x-default">{escape(text)}</rdf:li>'
        if ko:
            items += f'<rdf:li xml:lang="ko">{escape(ko)}</rdf:li>'
        return f"<rdf:Alt>{items}</rdf:Alt>"

    ko_description = DESCRIPTION["ko"] if inputs.language == "ko" else None
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        f'    Iptc4xmpExt:DigitalSourceType="{DIGITAL_SOURCE_TYPE}"\n'
        f'    xmp:CreatorTool="{escape(inputs.site_name, {chr(34): "&quot;"})} cover generator {GENERATOR_VERSION}">\n'
        f"   <dc:title>{alt(inputs.title[:2000])}</dc:title>\n"
        f"   <dc:creator><rdf:Seq><rdf:li>{escape(inputs.site_name)}</rdf:li></rdf:Seq></dc:creator>\n"
        f"   <dc:description>{alt(DESCRIPTION['en'], ko_description)}</dc:description>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="r"?>'
    )
    return packet.encode("utf-8")


def _downscale(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Centre-crop to the target aspect ratio, then Lanczos: every size is the same picture."""
    target = size[0] / size[1]
    if W / H > target:
        crop_w = H * target
        box = ((W - crop_w) / 2, 0, (W + crop_w) / 2, H)
    else:
        crop_h = W / target
        box = (0, (H - crop_h) / 2, W, (H + crop_h) / 2)
    return image.resize(size, Image.Resampling.LANCZOS, box=box)


def _encode(image: Image.Image, fmt: str, xmp: bytes) -> bytes:
    buffer = io.BytesIO()
    # exif/icc set explicitly empty: nothing but the XMP packet travels with the file.
    if fmt == "jpeg":
        image.save(buffer, "JPEG", xmp=xmp, exif=b"", icc_profile=None, **JPEG_OPTIONS)
    else:
        image.save(buffer, "WEBP", xmp=xmp, exif=b"", icc_profile=None, **WEBP_OPTIONS)
    return buffer.getvalue()


def render(
    *, title: str, category: str, color: str, language: str, seed: str, site_name: str = "Newsroom"
) -> dict[tuple[str, str], bytes]:
    """Every (size name, format) of the cover, encoded; raises CoverFontMissing without a Hangul font."""
    inputs = _Inputs.of(title=title, category=category, color=color, language=language, seed=seed, site_name=site_name)
    image = _compose(inputs)
    xmp = _xmp(inputs)

    def one_size(name: str) -> list[tuple[tuple[str, str], bytes]]:
        size = SIZES[name]
        scaled = image if size == image.size else _downscale(image, size)
        return [((name, fmt), _encode(scaled, fmt, xmp)) for fmt in FORMATS]

    # Pillow releases the GIL while resizing and encoding, so the sizes run side by side: the
    # full-size WebP alone takes about as long as both smaller sizes together.
    with ThreadPoolExecutor(max_workers=ENCODE_THREADS) as pool:
        encoded = [item for batch in pool.map(one_size, SIZES) for item in batch]
    return dict(encoded)
