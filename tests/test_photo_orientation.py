"""A phone photo is stored sideways with an orientation tag: cards, posters, sizes and focus see it upright."""
from PIL import Image

from kit.render.canvas import decoded
from tests.conftest import context


def sideways_portrait() -> Image.Image:
    """Stored 300×200 (red left, blue right) with orientation 6: seen upright, 200×300, red on top."""
    stored = Image.new("RGB", (300, 200), "blue")
    stored.paste(Image.new("RGB", (150, 200), "red"), (0, 0))
    return stored


def test_a_sideways_stored_photo_is_turned_upright_everywhere(project):
    folder = project.add("pilt")
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways_portrait().save(folder / "hero.jpg", quality=95, exif=exif)
    message = context(project).messages["pilt"]
    assert (message.image.width, message.image.height) == (200, 300)
    upright = decoded(message.image.path)
    assert upright.size == (200, 300)
    top, bottom = upright.getpixel((100, 20)), upright.getpixel((100, 280))
    assert top[0] > 200 and top[2] < 60, top  # red above
    assert bottom[2] > 200 and bottom[0] < 60, bottom  # blue below


def test_a_transparent_png_is_laid_on_white(project):
    folder = project.add("labipaistev")
    clear = Image.new("RGBA", (1200, 800), (0, 0, 0, 0))  # fully transparent black
    clear.paste(Image.new("RGBA", (600, 800), (30, 90, 30, 255)), (0, 0))
    (folder / "hero.jpg").unlink()
    clear.save(folder / "hero.png")
    (folder / "message.yaml").write_text((folder / "message.yaml").read_text().replace("hero.jpg", "hero.png"))
    photo = decoded(context(project).messages["labipaistev"].image.path)
    assert photo.getpixel((900, 400)) == (255, 255, 255)
    assert photo.getpixel((100, 400)) == (30, 90, 30)
