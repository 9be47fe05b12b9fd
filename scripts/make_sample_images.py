"""Draw the sample messages' hero images: simple Võrumaa landscapes (hills, lakes, forest, sauna smoke).

They are our own, generated, so the repository carries no third-party photos. Large enough for an
A3 poster at 300 dpi, and smooth, so the JPEGs stay small. Run: `.venv/bin/python scripts/make_sample_images.py`.
"""
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

MESSAGES = Path(__file__).resolve().parent.parent / "messages"
WIDTH, HEIGHT = 3600, 2400

# message folder -> (sky top, sky bottom, hill colours far to near, lake?, sun?, sauna?)
SCENES = {
    "loov-voru-maakond": ("#8FB8D9", "#F4E3C1", ["#6E8F6A", "#3F6B35", "#1E4C0E"], True, True, False),
    "koosloome-tootoad": ("#F2C38B", "#F7E9D2", ["#8A9C6B", "#56783C", "#2E5220"], False, True, False),
    "koolitusprogramm": ("#A9C4DE", "#E9EEF2", ["#7C9A84", "#4C7558", "#26452F"], True, False, False),
    "tartu-2024-sonumid": ("#384B7A", "#E58F65", ["#4F5E6E", "#303F3A", "#1A2A1E"], True, True, False),
    "suitsusaun": ("#C9D6DF", "#EDE6DA", ["#86977E", "#5A6F4E", "#33462A"], True, False, True),
    "seto-leelo": ("#E9B98E", "#F8EEDD", ["#9C8B62", "#6B7045", "#3D4A24"], False, True, False),
    "suur-munamagi": ("#6FA3D4", "#DDEBF5", ["#5E8A6A", "#2F6140", "#163A22"], False, True, False),
    "kogukond-partnerina": ("#B5CBB0", "#F1F0E4", ["#7E9E6E", "#4E7F2E", "#2A4F18"], True, False, False),
    "ettevotjad-koostoos": ("#D7C7E8", "#F5EFE6", ["#8F8FA8", "#5C6A6E", "#2F3F3A"], False, True, False),
    "raamatukogud": ("#F0D9A8", "#FBF5E8", ["#A39A6B", "#707A45", "#3F4F22"], True, False, False),
    "noorte-ideelaat": ("#9ED3D8", "#F4F1E0", ["#7DB08A", "#4A8A5A", "#225E35"], True, True, False),
    "avatud-valitsemine": ("#BFC9D6", "#EEF0F2", ["#8895A0", "#56666E", "#2A3A40"], False, False, False),
}


def lerp(a: str, b: str, t: float) -> tuple[int, int, int]:
    ca, cb = (tuple(int(h[i:i + 2], 16) for i in (1, 3, 5)) for h in (a, b))
    return tuple(round(x + (y - x) * t) for x, y in zip(ca, cb))


def draw_scene(name: str, scene) -> Image.Image:
    top, bottom, hills, lake, sun, sauna = scene
    rng = random.Random(name)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        draw.line([(0, y), (WIDTH, y)], fill=lerp(top, bottom, y / HEIGHT))
    if sun:
        x, y, r = rng.randint(600, 3000), rng.randint(350, 800), 190
        draw.ellipse([x - r, y - r, x + r, y + r], fill="#FFF4D6")
    for depth, colour in enumerate(hills):
        base = 1150 + depth * 330
        phase, amp = rng.random() * 6.28, 160 + depth * 40
        points = [(x, base - amp * (0.6 * math.sin(x / 700 + phase) + 0.4 * math.sin(x / 310 + 2 * phase)))
                  for x in range(0, WIDTH + 40, 40)]
        draw.polygon(points + [(WIDTH, HEIGHT), (0, HEIGHT)], fill=colour)
        if depth == len(hills) - 1:
            for _ in range(26):  # a spruce forest on the nearest ridge
                tx = rng.randint(0, WIDTH)
                ty = base - amp * (0.6 * math.sin(tx / 700 + phase) + 0.4 * math.sin(tx / 310 + 2 * phase))
                h = rng.randint(220, 420)
                draw.polygon([(tx, ty - h), (tx - h * 0.28, ty + 20), (tx + h * 0.28, ty + 20)], fill="#14300C")
    if lake:
        draw.ellipse([WIDTH * 0.15, HEIGHT * 0.78, WIDTH * 0.85, HEIGHT * 1.08], fill=lerp(top, "#2D5F7A", 0.6))
    if sauna:
        x, y = 2300, 1650
        draw.rectangle([x, y, x + 420, y + 260], fill="#5B3A22")
        draw.polygon([(x - 40, y), (x + 210, y - 170), (x + 460, y)], fill="#3A2616")
        for i in range(9):  # smoke
            r = 60 + i * 22
            draw.ellipse([x + 300 + i * 40 - r, y - 260 - i * 120 - r, x + 300 + i * 40 + r, y - 260 - i * 120 + r],
                         fill=lerp("#E9E9E9", bottom, i / 10))
    return image.filter(ImageFilter.GaussianBlur(2))


if __name__ == "__main__":
    for name, scene in SCENES.items():
        folder = MESSAGES / name
        folder.mkdir(parents=True, exist_ok=True)
        draw_scene(name, scene).save(folder / "hero.jpg", quality=80, optimize=True, progressive=True)
        print(f"wrote {folder / 'hero.jpg'}")
