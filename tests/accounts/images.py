"""Small image files made on the spot for avatar tests (JPEG with EXIF and GPS, PNG with text, ...)."""

import io
import os

from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


def image_bytes(fmt: str, size: tuple[int, int] = (640, 480), mode: str = "RGB", **save: object) -> bytes:
    image = Image.new(mode, size, "#3366cc" if mode != "1" else 1)
    if mode == "RGB":  # a red left half, so orientation and cropping can be told apart
        image.paste((220, 20, 20), (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[MAKE] = "SpyCam 3000"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    return image_bytes("JPEG", exif=exif.tobytes())


def jpeg_rotated_by_exif() -> bytes:
    """Stored landscape 640x320 with Orientation=6: a viewer shows it portrait."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    return image_bytes("JPEG", size=(640, 320), exif=exif.tobytes())


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: 1 Secret Lane")
    return image_bytes("PNG", pnginfo=info)


def noise_png(side: int) -> bytes:
    """Incompressible: the file is about side*side*3 bytes."""
    return image_bytes_from(Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)), "PNG")


def image_bytes_from(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()
