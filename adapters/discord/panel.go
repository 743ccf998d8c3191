package discord

import (
	"context"
	"strconv"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// Custom ids of the panel's per-category buttons and of the category picker.
const (
	// customPanelCategory + a category id is a per-category panel button.
	customPanelCategory = customPanelOpen + ":cat:"
	// customCategoryPick is the select menu of categories offered before the form.
	customCategoryPick = "tbd:pick"
	// customPlainForm is a button that opens the form without a category.
	customPlainForm = "tbd:form"
	// pickOther is the picker's "Something else" value: the form without a category.
	pickOther = "other"
)

// Discord's component limits.
const (
	maxRowButtons  = 5
	maxRows        = 5
	maxMenuOptions = 25
	maxOptionText  = 100
)

// panelMessage is the "Open a ticket" panel posted by /ticket-admin panel: one button, or one
// per category (at most 25, five rows of five) when cats are given.
func panelMessage(cats []core.Category) *discordgo.MessageSend {
	if len(cats) == 0 {
		return &discordgo.MessageSend{
			Content: "Need help from the helpdesk? Press the button to open a ticket: you get a private thread with the team.",
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.Button{CustomID: customPanelOpen, Label: "Open a ticket", Style: discordgo.PrimaryButton},
			}}},
			AllowedMentions: noMentions(),
		}
	}
	var rows []discordgo.MessageComponent
	var row []discordgo.MessageComponent
	for i, c := range cats {
		if i == maxRowButtons*maxRows {
			break
		}
		row = append(row, discordgo.Button{CustomID: customPanelCategory + strconv.FormatInt(c.ID, 10),
			Label: truncate(c.Name, maxButtonLabel), Style: discordgo.PrimaryButton})
		if len(row) == maxRowButtons {
			rows = append(rows, discordgo.ActionsRow{Components: row})
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return &discordgo.MessageSend{
		Content:         "Need help from the helpdesk? Press the button of your kind of request to open a ticket: you get a private thread with the team.",
		Components:      rows,
		AllowedMentions: noMentions(),
	}
}

// categoryPicker asks which category a new ticket is for (ephemeral select menu), with
// "Something else" for the form without a category.
func categoryPicker(cats []core.Category) *discordgo.InteractionResponse {
	one := 1
	menu := discordgo.SelectMenu{CustomID: customCategoryPick, Placeholder: "What kind of request is it?", MinValues: &one, MaxValues: 1}
	for _, c := range cats {
		if len(menu.Options) == maxMenuOptions-1 {
			break
		}
		menu.Options = append(menu.Options, discordgo.SelectMenuOption{Label: truncate(c.Name, maxOptionText),
			Value: strconv.FormatInt(c.ID, 10), Description: truncate(c.Description, maxOptionText)})
	}
	menu.Options = append(menu.Options, discordgo.SelectMenuOption{Label: "Something else", Value: pickOther})
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content:         "What kind of request is it? Choose one and a form with its questions opens.",
			Components:      []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{menu}}},
			Flags:           discordgo.MessageFlagsEphemeral,
			AllowedMentions: noMentions(),
		},
	}
}

// categoryForm answers a per-category panel button or the picker's choice with the form of
// category raw (an id); a category deleted since answers so and offers the plain form.
func (a *Adapter) categoryForm(ctx context.Context, o *outcome, req bot.Request, m *discordgo.Member, raw string) *discordgo.InteractionResponse {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return ephemeral("This button is no longer supported.")
	}
	role, err := a.memberRole(ctx, req.Workspace, m)
	if err != nil {
		return o.fail(err)
	}
	c, err := a.svc.Category(ctx, core.Actor{User: req.User, Role: role, Workspace: req.Workspace}, req.Workspace, id)
	if core.IsCode(err, core.ENotFound) {
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{
				Content: "That category no longer exists. You can still open a ticket with the plain form.",
				Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
					discordgo.Button{CustomID: customPlainForm, Label: "Open a ticket", Style: discordgo.PrimaryButton},
				}}},
				Flags:           discordgo.MessageFlagsEphemeral,
				AllowedMentions: noMentions(),
			},
		}
	}
	if err != nil {
		return o.fail(err)
	}
	return categoryModal(c)
}
