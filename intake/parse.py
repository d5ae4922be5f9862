"""STUB — being written. Interface: parse_message(data: bytes) -> InboundMail (raises MailParseError)."""
