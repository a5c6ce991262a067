"""Cover art generator: pure Pillow, so these tests need neither a database nor Django."""

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image, ImageFont

from articles import covers

KO_TITLE = '서울시 <속보> & "특집": 대중교통 예산안 승인'
EN_TITLE = "City council approves new budget for public transit"
BASE = {"category": "Politics", "color": "#1f4e79", "language": "en", "seed": "42"}
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
}


@pytest.fixture(scope="module")
def english():
    return covers.render(title=EN_TITLE, **BASE)


@pytest.fixture(scope="module")
def korean():
    return covers.render(title=KO_TITLE, **{**BASE, "category": "정치", "language": "ko"})


@pytest.fixture
def fresh_font_lookup():
    covers._find_font.cache_clear()
    yield
    covers._find_font.cache_clear()


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def white_pixels(image: Image.Image, box) -> int:
    """Near-white pixels in box: the headline is the only pure white on the darkened lower half."""
    region = image.convert("L").crop(box)
    return sum(region.histogram()[235:])


TITLE_AREA = (covers.TEXT_X, 300, covers.W - covers.TEXT_X, covers.H - covers.MARGIN + 10)


def test_find_font_returns_a_font_that_draws_hangul():
    for bold in (True, False):
        path, index = covers.find_font(bold=bold)
        font = ImageFont.truetype(path, 40, index=index)
        hangul = font.getmask("한")
        assert hangul.getbbox() is not None
        # Not the .notdef box a font without Hangul would draw instead.
        assert bytes(hangul) != bytes(font.getmask("\U0010fffd"))


def test_find_font_honours_env_and_skips_fonts_without_hangul(monkeypatch, fresh_font_lookup):
    regular = f"{covers.NOTO_DIR}/NotoSansCJK-Regular.ttc"
    monkeypatch.setenv(covers.FONT_ENV, f"{regular}:1")
    assert covers.find_font(bold=True) == (regular, 1)

    monkeypatch.setenv(covers.FONT_ENV, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Latin only
    path, _ = covers.find_font(bold=True)
    assert "DejaVu" not in path


def test_missing_hangul_font_raises_with_install_hint(monkeypatch, fresh_font_lookup):
    monkeypatch.setenv(covers.FONT_ENV, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    monkeypatch.setattr(covers, "SYSTEM_FONTS", {True: (("/nonexistent/font.ttc", 1),), False: ()})
    with pytest.raises(covers.CoverFontMissing, match="fonts-noto-cjk"):
        covers.find_font()


def test_every_size_and_format_is_produced(english):
    assert set(english) == {(size, fmt) for size in covers.SIZES for fmt in covers.FORMATS}
    for (size, fmt), data in english.items():
        image = open_image(data)
        assert image.size == covers.SIZES[size]
        assert image.format == {"webp": "WEBP", "jpeg": "JPEG"}[fmt]
        assert image.mode == "RGB"


def test_rendering_is_byte_identical_for_the_same_inputs():
    kwargs = {"title": KO_TITLE, **BASE, "language": "ko"}
    assert covers.render(**kwargs) == covers.render(**kwargs)
    assert covers.fingerprint(**kwargs) == covers.fingerprint(**kwargs)
    assert len(covers.fingerprint(**kwargs)) == 16
    int(covers.fingerprint(**kwargs), 16)


@pytest.mark.parametrize("fixture, title", [("english", EN_TITLE), ("korean", KO_TITLE)])
def test_xmp_marks_algorithmic_media_with_escaped_title(request, fixture, title):
    for data in request.getfixturevalue(fixture).values():
        image = open_image(data)
        xmp = image.info["xmp"]
        assert b"http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia" in xmp
        root = ET.fromstring(xmp.decode("utf-8").split("?>", 1)[1].rsplit("<?xpacket", 1)[0])
        description = root.find(".//rdf:Description", NS)
        assert description.get(f"{{{NS['Iptc4xmpExt']}}}DigitalSourceType").endswith("/algorithmicMedia")
        assert description.find("dc:title//rdf:li", NS).text == title  # escaped in the file, intact when parsed
        assert description.find("dc:creator//rdf:li", NS).text == "Newsroom"
        assert "computer-generated" in description.find("dc:description//rdf:li", NS).text.lower()
        # Nothing else travels with the file: no EXIF, no colour profile.
        assert not image.getexif()
        assert "icc_profile" not in image.info and "exif" not in image.info


def test_xmp_escapes_markup_in_the_raw_bytes(korean):
    raw = korean[("og", "jpeg")]
    assert "&lt;속보&gt; &amp;".encode() in raw
    assert "<속보>".encode() not in raw


@pytest.mark.parametrize("fixture", ["english", "korean"])
def test_headline_is_drawn(request, fixture):
    cover = open_image(request.getfixturevalue(fixture)[("og", "jpeg")])
    # The same cover with a one-character title: its art differs too, but is never white text.
    kwargs = {**BASE, "language": "ko" if fixture == "korean" else "en"}
    blank = open_image(covers.render(title=".", **kwargs)[("og", "jpeg")])
    drawn = white_pixels(cover, TITLE_AREA)
    assert drawn > 8000
    assert white_pixels(blank, TITLE_AREA) < drawn / 10
    assert len(cover.crop(TITLE_AREA).getcolors(1 << 24)) > 500  # antialiased text over art, not a flat panel


def test_korean_title_is_laid_out_in_hangul_without_dropping_characters():
    layout = covers._layout_title(KO_TITLE, "ko")
    assert "".join(layout.lines).replace(" ", "") == KO_TITLE.replace(" ", "")
    assert not layout.truncated


def test_emoji_is_dropped_rather_than_drawn_as_a_box():
    font = covers._font(True, 30)
    assert covers._drawable("Hello 😀 world 한국", font) == "Hello world 한국"


def test_different_titles_give_different_images_and_fingerprints(english):
    other = covers.render(title="Local bakery wins national award", **BASE)
    assert other[("og", "webp")] != english[("og", "webp")]
    assert covers.fingerprint(title="Local bakery wins national award", **BASE) != covers.fingerprint(
        title=EN_TITLE, **BASE
    )


@pytest.mark.parametrize("change", [{"color": "#b5542b"}, {"category": "Sport"}, {"language": "ko"}, {"seed": "43"},
                                    {"site_name": "Daily"}])
def test_fingerprint_follows_every_input(change):
    assert covers.fingerprint(title=EN_TITLE, **{**BASE, **change}) != covers.fingerprint(title=EN_TITLE, **BASE)


@pytest.mark.parametrize(
    "title, language",
    [
        (" ".join(["An extraordinarily long headline that keeps going"] * 12), "en"),
        ("가나다라마바사아자차카타파하" * 30, "ko"),  # one long run with no spaces to break at
        ("Pneumonoultramicroscopicsilicovolcanoconiosis" * 6, "en"),
    ],
)
def test_very_long_title_is_truncated_within_bounds(title, language):
    layout = covers._layout_title(title, language)
    assert len(layout.lines) <= covers.TITLE_LINES + 1
    assert layout.truncated and layout.lines[-1].endswith(covers.ELLIPSIS)
    font = covers._title_font(layout.size, language)
    assert all(font.getlength(line) <= covers.TITLE_MAX_WIDTH for line in layout.lines)

    block = covers._TitleBlock.place(title, language)
    tag_top = block.top - covers.TAG_GAP - covers.TAG_HEIGHT
    assert tag_top > covers.CHIP_TOP + covers.CHIP_HEIGHT  # clear of the chips at the top
    outputs = covers.render(title=title, **{**BASE, "language": language})
    assert open_image(outputs[("thumb", "jpeg")]).size == covers.SIZES["thumb"]


@pytest.mark.parametrize("style", covers.STYLES, ids=lambda style: style.__name__)
@pytest.mark.parametrize("color", ["#1f4e79", "#777777", "#ffffff", "#000000", "#f5c518", "not a colour"])
def test_every_style_renders_with_any_colour(monkeypatch, style, color):
    monkeypatch.setattr(covers, "STYLES", (style,))
    inputs = covers._Inputs.of(title=EN_TITLE, category="Politics", color=color, language="en", seed="1",
                               site_name="Newsroom")
    image = covers._compose(inputs)
    assert image.size == (covers.W, covers.H) and image.mode == "RGB"
    assert len(image.getcolors(1 << 24)) > 50  # actual art, not a flat fill


def test_empty_title_and_category_still_render():
    outputs = covers.render(title="", category="", color="", language="", seed="")
    assert open_image(outputs[("og", "webp")]).size == covers.SIZES["og"]
