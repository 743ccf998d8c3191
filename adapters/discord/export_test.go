package discord

// Exported for the external tests' golden files.
var (
	CardMessage        = cardMessage
	CardEdit           = cardEdit
	NoticeMessage      = noticeMessage
	ModalResponse      = modalResponse
	ReplyResponse      = replyResponse
	EscapeText         = escapeText
	CommandDefinitions = commandDefinitions
)

// RedactTokens is exported for the redaction unit test.
var RedactTokens = redactTokens
