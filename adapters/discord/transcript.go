package discord

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/transcript"
)

// postTranscript posts the staff transcript of ticket t, closed by ev, as an HTML file into
// the server's transcript channel, when one is set. The event's id is the message's nonce,
// so a retried delivery posts it once. A channel the bot may not post in is logged, not
// retried.
func (a *Adapter) postTranscript(ctx context.Context, ev core.Event, t core.Ticket) error {
	st, err := a.bot.Settings(ctx, t.Workspace)
	if err != nil {
		return err
	}
	if st.TranscriptChannel == "" {
		return nil
	}
	tr, err := a.svc.Transcript(ctx, core.System(), t.ID, true)
	if err != nil {
		return err
	}
	html, err := transcript.Render(tr, transcript.HTML)
	if err != nil {
		return core.Permanent(err)
	}
	m := transcriptMessage(t, ev.Actor, html)
	if _, err := a.api.SendOnce(ctx, st.TranscriptChannel, transcriptNonce(ev.ID), m); err != nil {
		derr := deliveryError("SendMessage", err)
		if core.IsPermanent(derr) || apiStatus(err) == http.StatusForbidden {
			a.log.Error("discord: could not post a transcript in the transcript channel; check the bot may send messages and attach files there",
				"ticket", t.ID, "channel", st.TranscriptChannel, "err", err)
			return nil
		}
		return derr
	}
	return nil
}

// transcriptMessage is the transcript channel's message: one line and the HTML file.
func transcriptMessage(t core.Ticket, by core.UserRef, html []byte) *discordgo.MessageSend {
	who := by.Name
	if who == "" {
		who = by.ID
	}
	return &discordgo.MessageSend{
		Content: truncate(fmt.Sprintf("Transcript of ticket #%d: %s (closed by %s).", t.Number,
			escapeText(truncate(t.Title, 200)), escapeText(who)), maxContent),
		Files: []*discordgo.File{{Name: transcript.FileName(t, transcript.HTML), ContentType: "text/html; charset=utf-8",
			Reader: bytes.NewReader(html)}},
		AllowedMentions: noMentions(),
	}
}

// transcriptNonce is the nonce of the transcript posted for event id (at most 25 characters).
func transcriptNonce(eventID int64) string { return "tbtr" + strconv.FormatInt(eventID, 36) }
