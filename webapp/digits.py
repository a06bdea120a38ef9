"""Digits as people type them: Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) phone
keyboards give these; every number the app reads (phone, reference, social-security number,
date, time) is read in ASCII digits."""

ASCII = str.maketrans({chr(0x660 + i): str(i) for i in range(10)} | {chr(0x6F0 + i): str(i) for i in range(10)})


def ascii_digits(text: str) -> str:
    return text.translate(ASCII)
