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

// Thread is the adapter's record of a ticket's private thread.
type Thread = thread

// FixedThread is the thread of the golden files' ticket.
var FixedThread = thread{ThreadID: "1100000000000000003", CardID: "1100000000000000004"}

// CategoryModal exposes categoryModal to the tests.
var CategoryModal = categoryModal

// PanelMessage exposes panelMessage to the tests.
var PanelMessage = panelMessage
