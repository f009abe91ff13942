/* ORGANIZER and ATTENDEE from a meeting's sender and recipient table
 * ([MS-OXCICAL] 2.1.3.1.1.20.2 ATTENDEE, 2.1.3.1.1.20.30 ORGANIZER):
 * PidTagRecipientType -> ROLE/CUTYPE, PidTagRecipientTrackStatus -> PARTSTAT,
 * PidTagRecipientFlags recipOrganizer marks the organizer's own row. */
#include "pst-items.h"

#include <string.h>

enum {
	PR_RECIPIENT_FLAGS = 0x5ffd,
	PR_RECIPIENT_TRACK_STATUS = 0x5fff,
	RECIP_ORGANIZER = 0x0002,
	RECIP_SENDABLE = 0x0001,
};

/* "mailto:addr" when an SMTP address is known (the SMTP property, an SMTP-type
 * address, or a display name that is itself an address), else NULL. */
static char *smtp_uri(const char *smtp, const char *email, const char *addrtype,
                      const char *name)
{
	if (smtp && strchr(smtp, '@'))
		return g_strdup_printf("mailto:%s", smtp);
	if (email && strchr(email, '@') && (!addrtype || g_ascii_strcasecmp(addrtype, "SMTP") == 0))
		return g_strdup_printf("mailto:%s", email);
	if (name && strchr(name, '@') && !strchr(name, ' '))
		return g_strdup_printf("mailto:%s", name);
	return NULL;
}

/* [MS-OXCICAL]'s placeholder for a calendar user without an SMTP address. */
static char *cal_address(const char *smtp, const char *email, const char *addrtype,
                         const char *name)
{
	char *uri = smtp_uri(smtp, email, addrtype, name);
	return uri ? uri : g_strdup("invalid:nomail");
}

static void add_cn(icalproperty *p, const char *name)
{
	if (name && *name)
		icalproperty_add_parameter(p, icalparameter_new_cn(name));
}

/* From the sent-representing, else the sender properties; one with an SMTP
 * address wins over one without. */
static icalproperty *organizer_from_sender(libpff_item_t *msg, int cp)
{
	static const guint32 tags[2][4] = {
		{ MFI_PR_SENT_REPRESENTING_NAME, MFI_PR_SENT_REPRESENTING_SMTP,
		  MFI_PR_SENT_REPRESENTING_EMAIL, MFI_PR_SENT_REPRESENTING_ADDRTYPE },
		{ MFI_PR_SENDER_NAME, MFI_PR_SENDER_SMTP_ADDRESS, MFI_PR_SENDER_EMAIL,
		  MFI_PR_SENDER_ADDRTYPE },
	};
	char *best_name = NULL, *best_uri = NULL;
	for (int i = 0; i < 2 && !best_uri; i++) {
		char *name = mfi_pst_get_string(msg, tags[i][0], cp);
		char *smtp = mfi_pst_get_string(msg, tags[i][1], cp);
		char *email = mfi_pst_get_string(msg, tags[i][2], cp);
		char *type = mfi_pst_get_string(msg, tags[i][3], cp);
		best_uri = smtp_uri(smtp, email, type, name);
		if ((best_uri || !best_name) && ((name && *name) || (email && *email))) {
			g_free(best_name);
			best_name = g_strdup(name ? name : "");
		}
		g_free(name);
		g_free(smtp);
		g_free(email);
		g_free(type);
	}
	icalproperty *p = NULL;
	if (best_uri || best_name) {
		p = icalproperty_new_organizer(best_uri ? best_uri : "invalid:nomail");
		add_cn(p, best_name);
	}
	g_free(best_name);
	g_free(best_uri);
	return p;
}

static icalparameter_partstat partstat_of(gint64 track)
{
	switch (track) {
	case 1: /* respOrganized */
	case 3: /* respAccepted */
		return ICAL_PARTSTAT_ACCEPTED;
	case 2:
		return ICAL_PARTSTAT_TENTATIVE;
	case 4:
		return ICAL_PARTSTAT_DECLINED;
	default:
		return ICAL_PARTSTAT_NEEDSACTION;
	}
}

static icalproperty *attendee_row(libpff_item_t *rcpts, int row, int cp, gboolean *organizer_r)
{
	char *name = mfi_pst_get_string_in(rcpts, row, MFI_PR_DISPLAY_NAME, cp);
	char *smtp = mfi_pst_get_string_in(rcpts, row, MFI_PR_SMTP_ADDRESS, cp);
	char *email = mfi_pst_get_string_in(rcpts, row, MFI_PR_EMAIL_ADDRESS, cp);
	char *type = mfi_pst_get_string_in(rcpts, row, MFI_PR_ADDRTYPE, cp);
	gint64 rtype = 1, flags = 0, track = 0;
	mfi_pst_get_int_in(rcpts, row, MFI_PR_RECIPIENT_TYPE, &rtype);
	mfi_pst_get_int_in(rcpts, row, PR_RECIPIENT_FLAGS, &flags);
	mfi_pst_get_int_in(rcpts, row, PR_RECIPIENT_TRACK_STATUS, &track);
	char *addr = cal_address(smtp, email, type, name);
	*organizer_r = (flags & RECIP_ORGANIZER) != 0;
	icalproperty *p = *organizer_r ? icalproperty_new_organizer(addr)
	                               : icalproperty_new_attendee(addr);
	add_cn(p, name);
	if (!*organizer_r) {
		switch (rtype & 0x0f) {
		case 2:
			icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_OPTPARTICIPANT));
			break;
		case 3:
			icalproperty_add_parameter(p, icalparameter_new_cutype(ICAL_CUTYPE_RESOURCE));
			icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_NONPARTICIPANT));
			break;
		default:
			icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
			break;
		}
		icalproperty_add_parameter(p, icalparameter_new_partstat(partstat_of(track)));
	}
	g_free(name);
	g_free(smtp);
	g_free(email);
	g_free(type);
	g_free(addr);
	return p;
}

/* The sender as a calendar user: ORGANIZER, or ATTENDEE with `partstat`. */
static icalproperty *sender_prop(libpff_item_t *msg, int cp, gboolean attendee,
                                 icalparameter_partstat partstat)
{
	icalproperty *org = organizer_from_sender(msg, cp);
	if (!org || !attendee)
		return org;
	icalproperty *p = icalproperty_new_attendee(icalproperty_get_organizer(org));
	icalparameter *cn = icalproperty_get_first_parameter(org, ICAL_CN_PARAMETER);
	if (cn)
		icalproperty_add_parameter(p, icalparameter_new_clone(cn));
	icalproperty_add_parameter(p, icalparameter_new_partstat(partstat));
	icalproperty_free(org);
	return p;
}

void mfi_pst_add_reply_people(icalcomponent *comp, libpff_item_t *msg, int cp,
                              icalparameter_partstat partstat)
{
	libpff_item_t *rcpts = NULL;
	int rows = 0;
	if (libpff_message_get_recipients(msg, &rcpts, NULL) == 1 && rcpts &&
	    libpff_item_get_number_of_record_sets(rcpts, &rows, NULL) == 1 && rows > 0) {
		gboolean is_org = FALSE;
		icalproperty *p = attendee_row(rcpts, 0, cp, &is_org);
		icalproperty *org = icalproperty_new_organizer(is_org ? icalproperty_get_organizer(p)
		                                                      : icalproperty_get_attendee(p));
		icalparameter *cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
		if (cn)
			icalproperty_add_parameter(org, icalparameter_new_clone(cn));
		icalcomponent_add_property(comp, org);
		icalproperty_free(p);
	}
	if (rcpts)
		libpff_item_free(&rcpts, NULL);
	icalproperty *att = sender_prop(msg, cp, TRUE, partstat);
	if (att)
		icalcomponent_add_property(comp, att);
}

int mfi_pst_add_attendees(icalcomponent *comp, libpff_item_t *msg, int cp, gboolean meeting)
{
	libpff_item_t *rcpts = NULL;
	int rows = 0, added = 0;
	icalproperty *organizer = NULL;
	if (libpff_message_get_recipients(msg, &rcpts, NULL) == 1 && rcpts &&
	    libpff_item_get_number_of_record_sets(rcpts, &rows, NULL) != 1)
		rows = 0;
	for (int row = 0; row < rows; row++) {
		gboolean is_org = FALSE;
		icalproperty *p = attendee_row(rcpts, row, cp, &is_org);
		if (is_org && !organizer)
			organizer = p;
		else if (is_org)
			icalproperty_free(p);
		else {
			icalcomponent_add_property(comp, p);
			added++;
		}
	}
	if (rcpts)
		libpff_item_free(&rcpts, NULL);
	if ((meeting || added > 0) && !organizer)
		organizer = organizer_from_sender(msg, cp);
	if (organizer && (meeting || added > 0))
		icalcomponent_add_property(comp, organizer);
	else if (organizer)
		icalproperty_free(organizer);
	return added;
}
