package httpapi

import (
	"net/http"
	"strings"
)

// routes lists every REST route of the desk API and the operational
// endpoints. docs/api.md and docs/openapi.yaml describe the same list.
func (a *API) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /readyz", a.readyz)

	mux.HandleFunc("POST /api/v1/auth/login", a.login)
	mux.HandleFunc("POST /api/v1/auth/logout", a.authed(a.logout))
	mux.HandleFunc("POST /api/v1/auth/password", a.authed(a.changePassword))
	mux.HandleFunc("GET /api/v1/me", a.authed(a.me))
	mux.HandleFunc("PUT /api/v1/me/avatar", a.authed(a.setAvatar))
	mux.HandleFunc("DELETE /api/v1/me/avatar", a.authed(a.deleteAvatar))
	mux.HandleFunc("GET /api/v1/agents/{id}/avatar", a.authed(a.avatar))

	mux.HandleFunc("GET /api/v1/workspace", a.authed(a.getWorkspace))
	mux.HandleFunc("PATCH /api/v1/workspace", a.authed(a.updateWorkspace))
	mux.HandleFunc("POST /api/v1/workspaces", a.authed(a.createWorkspace))
	mux.HandleFunc("GET /api/v1/workspace/mail", a.authed(a.getMail))
	mux.HandleFunc("PUT /api/v1/workspace/mail", a.authed(a.setMail))
	mux.HandleFunc("DELETE /api/v1/workspace/mail", a.authed(a.deleteMail))
	mux.HandleFunc("POST /api/v1/workspace/mail/test", a.authed(a.testMail))

	mux.HandleFunc("GET /api/v1/sites", a.authed(a.listSites))
	mux.HandleFunc("POST /api/v1/sites", a.authed(a.createSite))
	mux.HandleFunc("GET /api/v1/sites/{id}", a.authed(a.getSite))
	mux.HandleFunc("PATCH /api/v1/sites/{id}", a.authed(a.updateSite))
	mux.HandleFunc("DELETE /api/v1/sites/{id}", a.authed(a.deleteSite))
	mux.HandleFunc("POST /api/v1/sites/{id}/rotate-key", a.authed(a.rotateSiteKey))
	mux.HandleFunc("GET /api/v1/sites/{id}/identity-secret", a.authed(a.siteSecret))
	mux.HandleFunc("POST /api/v1/sites/{id}/identity-secret/rotate", a.authed(a.rotateSiteSecret))
	mux.HandleFunc("GET /api/v1/sites/{id}/refused-origins", a.authed(a.refusedOrigins))

	mux.HandleFunc("GET /api/v1/agents", a.authed(a.listAgents))
	mux.HandleFunc("POST /api/v1/agents", a.authed(a.createAgent))
	mux.HandleFunc("GET /api/v1/agents/{id}", a.authed(a.getAgent))
	mux.HandleFunc("PATCH /api/v1/agents/{id}", a.authed(a.updateAgent))
	mux.HandleFunc("DELETE /api/v1/agents/{id}", a.authed(a.deleteAgent))
	mux.HandleFunc("POST /api/v1/agents/{id}/password", a.authed(a.resetPassword))
	mux.HandleFunc("POST /api/v1/agents/{id}/disable", a.authed(a.disableAgent))
	mux.HandleFunc("POST /api/v1/agents/{id}/enable", a.authed(a.enableAgent))

	mux.HandleFunc("GET /api/v1/departments", a.authed(a.listDepartments))
	mux.HandleFunc("POST /api/v1/departments", a.authed(a.createDepartment))
	mux.HandleFunc("GET /api/v1/departments/{id}", a.authed(a.getDepartment))
	mux.HandleFunc("PATCH /api/v1/departments/{id}", a.authed(a.updateDepartment))
	mux.HandleFunc("DELETE /api/v1/departments/{id}", a.authed(a.deleteDepartment))

	mux.HandleFunc("GET /api/v1/api-keys", a.authed(a.listKeys))
	mux.HandleFunc("POST /api/v1/api-keys", a.authed(a.createKey))
	mux.HandleFunc("DELETE /api/v1/api-keys/{id}", a.authed(a.revokeKey))
	mux.HandleFunc("GET /api/v1/whatsapp/channels", a.authed(a.listWhatsApp))
	mux.HandleFunc("POST /api/v1/whatsapp/channels", a.authed(a.createWhatsApp))
	mux.HandleFunc("GET /api/v1/whatsapp/channels/{id}", a.authed(a.getWhatsApp))
	mux.HandleFunc("PATCH /api/v1/whatsapp/channels/{id}", a.authed(a.updateWhatsApp))
	mux.HandleFunc("DELETE /api/v1/whatsapp/channels/{id}", a.authed(a.deleteWhatsApp))
	mux.HandleFunc("GET /api/v1/whatsapp/channels/{id}/templates", a.authed(a.listWhatsAppTemplates))
	mux.HandleFunc("POST /api/v1/whatsapp/channels/{id}/templates/sync", a.authed(a.syncWhatsAppTemplates))
	mux.HandleFunc("GET /api/v1/conversations/{id}/whatsapp", a.authed(a.whatsAppState))
	mux.HandleFunc("POST /api/v1/conversations/{id}/whatsapp/template", a.authed(a.sendWhatsAppTemplate))
	// WhatsApp's webhook: no session, the body is signed with the app
	// secret (X-Hub-Signature-256).
	mux.HandleFunc("GET /api/v1/whatsapp/webhook/{site}", a.whatsAppVerify)
	mux.HandleFunc("POST /api/v1/whatsapp/webhook/{site}", a.whatsAppWebhook)

	mux.HandleFunc("GET /api/v1/webhooks", a.authed(a.listWebhooks))
	mux.HandleFunc("POST /api/v1/webhooks", a.authed(a.createWebhook))
	mux.HandleFunc("PATCH /api/v1/webhooks/{id}", a.authed(a.updateWebhook))
	mux.HandleFunc("DELETE /api/v1/webhooks/{id}", a.authed(a.deleteWebhook))
	mux.HandleFunc("POST /api/v1/webhooks/{id}/secret", a.authed(a.rotateWebhookSecret))
	mux.HandleFunc("POST /api/v1/webhooks/{id}/ping", a.authed(a.pingWebhook))
	mux.HandleFunc("GET /api/v1/webhooks/{id}/deliveries", a.authed(a.listWebhookDeliveries))
	mux.HandleFunc("POST /api/v1/webhooks/{id}/deliveries/{event}/redeliver", a.authed(a.redeliverWebhook))

	mux.HandleFunc("GET /api/v1/blocks", a.authed(a.listBlocks))
	mux.HandleFunc("POST /api/v1/blocks", a.authed(a.createBlock))
	mux.HandleFunc("DELETE /api/v1/blocks/{id}", a.authed(a.deleteBlock))

	mux.HandleFunc("GET /api/v1/audit", a.authed(a.listAudit))

	mux.HandleFunc("GET /api/v1/conversations", a.authed(a.listConversations))
	mux.HandleFunc("GET /api/v1/conversations/{id}", a.authed(a.getConversation))
	mux.HandleFunc("GET /api/v1/conversations/{id}/messages", a.authed(a.listMessages))
	mux.HandleFunc("POST /api/v1/conversations/{id}/messages", a.authed(a.sendMessage))
	mux.HandleFunc("POST /api/v1/conversations/{id}/comments", a.authed(a.addComment))
	mux.HandleFunc("PATCH /api/v1/conversations/{id}/comments/{message}", a.authed(a.editComment))
	mux.HandleFunc("DELETE /api/v1/conversations/{id}/comments/{message}", a.authed(a.deleteComment))
	mux.HandleFunc("POST /api/v1/conversations/{id}/files", a.authed(a.uploadFile))
	mux.HandleFunc("GET /api/v1/files/{id}", a.authed(a.downloadFile))
	mux.HandleFunc("POST /widget/v1/files", a.widgetUpload)
	mux.HandleFunc("OPTIONS /widget/v1/files", a.widgetPreflight)
	mux.HandleFunc("GET /widget/v1/files/{id}", a.widgetDownload)
	mux.HandleFunc("OPTIONS /widget/v1/files/{id}", a.widgetPreflight)
	mux.HandleFunc("GET /api/v1/contacts", a.authed(a.listContacts))
	mux.HandleFunc("POST /api/v1/contacts", a.authed(a.createContact))
	mux.HandleFunc("PUT /api/v1/contacts/external/{external_id}", a.authed(a.upsertContact))
	mux.HandleFunc("GET /api/v1/contacts/{id}", a.authed(a.getContact))
	mux.HandleFunc("PATCH /api/v1/contacts/{id}", a.authed(a.updateContact))
	mux.HandleFunc("DELETE /api/v1/contacts/{id}", a.authed(a.eraseContact))
	mux.HandleFunc("POST /api/v1/contacts/{id}/merge", a.authed(a.mergeContact))
	mux.HandleFunc("GET /api/v1/contacts/{id}/export", a.authed(a.exportContact))
	mux.HandleFunc("GET /api/v1/quick-responses", a.authed(a.listQuick))
	mux.HandleFunc("GET /api/v1/ratings", a.authed(a.ratingSummary))
	mux.HandleFunc("GET /api/v1/analytics/conversations", a.authed(analyticsHandler(a, a.analytics.ConversationsOf)))
	mux.HandleFunc("GET /api/v1/analytics/tickets", a.authed(analyticsHandler(a, a.analytics.TicketsOf)))
	mux.HandleFunc("GET /api/v1/analytics/contacts", a.authed(analyticsHandler(a, a.analytics.ContactsOf)))
	mux.HandleFunc("GET /api/v1/analytics/operators", a.authed(analyticsHandler(a, a.analytics.OperatorsOf)))
	mux.HandleFunc("POST /api/v1/quick-responses", a.authed(a.createQuick))
	mux.HandleFunc("PATCH /api/v1/quick-responses/{id}", a.authed(a.updateQuick))
	mux.HandleFunc("DELETE /api/v1/quick-responses/{id}", a.authed(a.deleteQuick))
	mux.HandleFunc("POST /api/v1/quick-responses/{id}/use", a.authed(a.useQuick))
	mux.HandleFunc("GET /api/v1/inbox", a.authed(a.listInbox))
	mux.HandleFunc("POST /api/v1/inbox/mark", a.authed(a.markInbox))
	mux.HandleFunc("GET /api/v1/inbox/tagged", a.authed(a.taggedConversations))
	mux.HandleFunc("POST /api/v1/conversations/{id}/status", a.authed(a.setStatus))
	mux.HandleFunc("POST /api/v1/conversations/{id}/assign", a.authed(a.assign))
	mux.HandleFunc("POST /api/v1/conversations/{id}/transfer", a.authed(a.transfer))
	mux.HandleFunc("POST /api/v1/conversations/{id}/flag", a.authed(a.flag))
	mux.HandleFunc("POST /api/v1/conversations/{id}/wrapup", a.authed(a.wrapup))

	mux.HandleFunc("GET /api/v1/tickets", a.authed(a.listTickets))
	mux.HandleFunc("POST /api/v1/tickets", a.authed(a.createTicket))
	mux.HandleFunc("POST /api/v1/tickets/accept", a.authed(a.quickAccept))
	mux.HandleFunc("GET /api/v1/tickets/{id}", a.authed(a.getTicket))
	mux.HandleFunc("POST /api/v1/tickets/{id}/accept", a.authed(a.acceptTicket))
	mux.HandleFunc("POST /api/v1/tickets/{id}/assign", a.authed(a.assignTicket))
	mux.HandleFunc("POST /api/v1/tickets/{id}/close", a.authed(a.closeTicket))
	mux.HandleFunc("POST /api/v1/tickets/{id}/start-chat", a.authed(a.startTicketChat))

	mux.HandleFunc("POST /api/v1/conversations/{id}/ticket", a.authed(a.makeTicket))
	mux.HandleFunc("PATCH /api/v1/tickets/{id}", a.authed(a.updateTicket))
	mux.HandleFunc("POST /api/v1/tickets/{id}/move", a.authed(a.moveTicket))
	mux.HandleFunc("POST /api/v1/tickets/{id}/merge", a.authed(a.mergeTicket))
	mux.HandleFunc("POST /api/v1/tickets/{id}/links", a.authed(a.linkConversation))
	mux.HandleFunc("GET /api/v1/tickets/{id}/conversations", a.authed(a.ticketConversations))
	mux.HandleFunc("GET /api/v1/tickets/{id}/watchers", a.authed(a.ticketWatchers))
	mux.HandleFunc("PUT /api/v1/tickets/{id}/watchers/me", a.authed(a.watchTicket))
	mux.HandleFunc("DELETE /api/v1/tickets/{id}/watchers/me", a.authed(a.watchTicket))
	mux.HandleFunc("GET /api/v1/tickets/{id}/history", a.authed(a.ticketHistory))
	mux.HandleFunc("GET /api/v1/boards", a.authed(a.listBoards))
	mux.HandleFunc("POST /api/v1/boards", a.authed(a.createBoard))
	mux.HandleFunc("POST /api/v1/boards/order", a.authed(a.reorderBoards))
	mux.HandleFunc("GET /api/v1/boards/{id}", a.authed(a.getBoard))
	mux.HandleFunc("PATCH /api/v1/boards/{id}", a.authed(a.updateBoard))
	mux.HandleFunc("POST /api/v1/boards/{id}/columns", a.authed(a.addColumn))
	mux.HandleFunc("PATCH /api/v1/boards/{id}/columns/{column}", a.authed(a.updateColumn))
	mux.HandleFunc("POST /api/v1/boards/{id}/columns/order", a.authed(a.reorderColumns))

	mux.HandleFunc("GET /api/v1/broadcasts", a.authed(a.listBroadcasts))
	mux.HandleFunc("POST /api/v1/broadcasts", a.authed(a.createBroadcast))
	mux.HandleFunc("POST /api/v1/broadcasts/estimate", a.authed(a.estimateBroadcast))
	mux.HandleFunc("GET /api/v1/broadcasts/{id}", a.authed(a.getBroadcast))
	mux.HandleFunc("PATCH /api/v1/broadcasts/{id}", a.authed(a.updateBroadcast))
	mux.HandleFunc("DELETE /api/v1/broadcasts/{id}", a.authed(a.deleteBroadcast))
	mux.HandleFunc("POST /api/v1/broadcasts/{id}/activate", a.authed(a.activateBroadcast))
	mux.HandleFunc("POST /api/v1/broadcasts/{id}/pause", a.authed(a.pauseBroadcast))
	mux.HandleFunc("POST /api/v1/broadcasts/{id}/end", a.authed(a.endBroadcast))
	mux.HandleFunc("GET /api/v1/analytics/broadcasts", a.authed(analyticsHandler(a, a.analytics.BroadcastsOf)))

	mux.HandleFunc("GET /api/v1/visitors", a.authed(a.listVisitors))
	mux.HandleFunc("GET /api/v1/visitors/{id}", a.authed(a.getVisitor))

	// Anything else under the API prefixes is a JSON 404 (or 405), not the UI.
	mux.HandleFunc("/api/", a.notFound(mux))
	mux.HandleFunc("/widget/v1/", a.notFound(mux))
}

// notFound answers unmatched API paths: 405 with Allow when the path
// exists for other methods, else 404.
func (a *API) notFound(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/api/" && pattern != "/widget/v1/" && pattern != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: errorDetail{
				Code: "method_not_allowed", Message: "use " + strings.Join(allow, ", "), RequestID: requestID(r.Context())}})
			return
		}
		writeJSON(w, http.StatusNotFound, errorBody{Error: errorDetail{
			Code: "route_not_found", Message: "no such endpoint", RequestID: requestID(r.Context())}})
	}
}
