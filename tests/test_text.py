"""New text: quotes and signatures do not decide; a forwarded plea does."""

from resetdesk.rules.text import new_text


def test_gmail_style_quote_is_dropped():
    text = ("Jeg har glemt passordet.\n\n"
            "Den 3. nov. 2026 kl. 10:00 skrev Per <per@x.no>:\n> Har du glemt brukernavnet?\n")
    assert new_text(text) == "Jeg har glemt passordet."


def test_outlook_reply_block_is_dropped_but_kept_in_a_forward():
    text = ("Jeg får ikke logget inn.\n\n________________________________\nFra: Help <help@x>\nSendt: mandag\n"
            "Til: meg\nEmne: Re: passord\n\nPrøv selvbetjening.\n")
    assert new_text(text, "SV: passord") == "Jeg får ikke logget inn."
    assert "Prøv selvbetjening." in new_text(text, "VS: passord")


def test_forwarded_plea_counts_and_signatures_do_not():
    text = ("Can you help her?\n\nRegards\nPer\n\n---------- Forwarded message ---------\nFrom: Anna <anna@x.com>\n"
            "Date: Mon\nSubject: help\nTo: Per\n\nI'm still logged in on my phone.\n\nBest regards\nAnna\n"
            "This email may contain confidential information about passwords.\n")
    kept = new_text(text, "Fwd: help")
    assert "Can you help her?" in kept and "still logged in on my phone" in kept
    assert "Per" not in kept and "confidential" not in kept


def test_sign_off_inside_a_sentence_is_not_a_signature():
    assert "password" in new_text("Hi,\nBest way to say it: I forgot my password.\n")
