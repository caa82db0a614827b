#!/usr/bin/env python3
"""Writes the benchmark's messages into a directory, the same bytes for every benchmark.

customer-{en,es,ru}.eml  the customer's first message of each conversation (tests/data fixtures)
4k-en.eml                an agent's reply of about 4 KB: new text and the quoted customer message
20k-{en,es,ru}.eml       replies of about 20 KB: the same, with older quoted history below
2m-en.eml                the 4 KB reply with a PDF attachment, 2 MB in all (base64)

Lines end in LF: smtp-source -F turns each line into a CRLF line on the wire, and the C++
benchmarks read the files as the milter would see them after Postfix (CRLF is added there too).

Usage: make_messages.py OUTDIR
"""

import email
import email.policy
import os
import random
import sys
import base64

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "data", "conversations")

CONVERSATIONS = {
    "en": {
        "customer": "en/01-customer.eml",
        "agent": "Sam Agent <sam@support.example.com>",
        "new_text": (
            "Hi Ana, hi Bob,\n\n"
            "Thank you for the details. I can see both payments for invoice 4471.\n"
            "The second one was a retry by the payment gateway after a timeout; I have refunded it today,\n"
            "and it will reach the card within 5 working days.\n\n"
            "Could you confirm that the refund shows on your statement by Friday?\n\n"
            "Best regards,\nSam Agent\nExample Support, +1 555 0100, https://support.example.com\n"
        ),
        "attribution": "On Mon, 2 Nov 2026 at 09:00, Ana Lopez <ana@client.example> wrote:",
        "older": "We were charged twice for invoice 4471 this month, once on the 3rd; the bank shows two lines.",
    },
    "es": {
        "customer": "es/01-cliente.eml",
        "agent": "=?UTF-8?Q?Luc=C3=ADa_Soporte?= <lucia@support.example.com>",
        "new_text": (
            "Hola, María:\n\n"
            "Gracias por avisarnos. Hemos anulado la segunda copia de la factura nº 8812.\n"
            "El importe correcto es de 240 euros, tal como figura en la primera copia.\n\n"
            "¿Nos confirma que ya no ve la copia duplicada en su cuenta?\n\n"
            "Un saludo,\nLucía Soporte\nSoporte de Example, +34 910 000 000, https://support.example.com\n"
        ),
        "attribution": "El lun, 2 nov 2026 a las 9:00, María García <maria@cliente.example> escribió:",
        "older": "Hemos recibido la factura duplicada en nuestra cuenta de correo otra vez, con el mismo número.",
    },
    "ru": {
        "customer": "ru/01-klient.eml",
        "agent": "=?UTF-8?B?0JDQvdC90LAg0J/QvtC00LTQtdGA0LbQutCw?= <anna@support.example.com>",
        "new_text": (
            "Иван, добрый день!\n\n"
            "Мы нашли причину: после обновления ваш браузер сохранял старый cookie сессии.\n"
            "Мы сбросили сессии вашей учётной записи, теперь вход работает.\n\n"
            "Сообщите, пожалуйста, получилось ли войти до конца дня?\n\n"
            "С уважением,\nАнна Поддержка\nСлужба поддержки Example, +7 495 000-00-00\n"
        ),
        "attribution": "04.11.2026, 10:00, \"Иван Петров\" <ivan@klient.example>:",
        "older": "Третий день не можем войти в личный кабинет, страница просто обновляется после ввода пароля.",
    },
}


def customer_message(lang):
    with open(os.path.join(FIXTURES, CONVERSATIONS[lang]["customer"]), "rb") as f:
        raw = f.read()
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def reply(lang, size, tag):
    """A reply of about `size` bytes to the customer's message, in its language."""
    conv = CONVERSATIONS[lang]
    raw, cust = customer_message(lang)
    # Header values as written (encoded words stay encoded).
    raw_head = email.message_from_bytes(raw, policy=email.policy.compat32)
    customer_id = cust["Message-ID"].strip()
    body_lines = [conv["new_text"], conv["attribution"]]
    for line in cust.get_body(("plain",)).get_content().splitlines():
        body_lines.append(("> " + line).rstrip())
    head = "\n".join([
        f"From: {conv['agent']}",
        f"To: {raw_head['From']}",
        f"Subject: Re: {raw_head['Subject']}",
        "Date: Mon, 02 Nov 2026 10:10:00 +0000",
        f"Message-ID: <bench-{tag}-{lang}@support.example.com>",
        f"In-Reply-To: {customer_id}",
        f"References: {customer_id}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "", ""])
    text = head + "\n".join(body_lines) + "\n"
    # Older history, quoted twice, down to the size asked for.
    older = ">> " + conv["older"] + "\n"
    while len(text.encode()) + len(older.encode()) <= size:
        text += older
    return text


def with_attachment(text, size):
    """The reply as multipart/mixed with a PDF of `size` bytes (deterministic bytes)."""
    head, body = text.split("\n\n", 1)
    head = "\n".join(h for h in head.split("\n") if not h.startswith("Content-"))
    rng = random.Random(4471)
    blob = b"%PDF-1.4\n" + bytes(rng.getrandbits(8) for _ in range(size))
    b64 = base64.encodebytes(blob).decode()
    boundary = "bench-boundary-4471"
    return (head + f"\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\n\n"
            f"--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            f"{body}\n--{boundary}\nContent-Type: application/pdf; name=\"statement.pdf\"\n"
            "Content-Disposition: attachment; filename=\"statement.pdf\"\nContent-Transfer-Encoding: base64\n\n"
            f"{b64}--{boundary}--\n")


MESSAGES = {
    "4k-en": lambda: reply("en", 4096, "4k"),
    "20k-en": lambda: reply("en", 20480, "20k"),
    "20k-es": lambda: reply("es", 20480, "20k"),
    "20k-ru": lambda: reply("ru", 20480, "20k"),
    "2m-en": lambda: with_attachment(reply("en", 4096, "2m"), 3 * 512 * 1024),  # 2 MB once in base64
}


def write_all(outdir):
    os.makedirs(outdir, exist_ok=True)
    paths = {}
    for lang in CONVERSATIONS:
        raw, _ = customer_message(lang)
        path = os.path.join(outdir, f"customer-{lang}.eml")
        with open(path, "wb") as f:
            f.write(raw.replace(b"\r\n", b"\n"))
        paths[f"customer-{lang}"] = path
    for name, make in MESSAGES.items():
        path = os.path.join(outdir, name + ".eml")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(make())
        paths[name] = path
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_messages.py OUTDIR")
    for name, path in write_all(sys.argv[1]).items():
        print(f"{name}\t{os.path.getsize(path)}\t{path}")
