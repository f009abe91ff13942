/* Windows time zone names ("W. Europe Standard Time") -> IANA zones
 * ("Europe/Berlin"), from the CLDR windowsZones table shipped as
 * data/windowsZones.tsv (installed to DATADIR/mailferry). */
#ifndef MAILFERRY_WINDOWS_ZONES_H
#define MAILFERRY_WINDOWS_ZONES_H

#include <glib.h>

/* The IANA zone for a Windows zone name (ASCII case-insensitive; surrounding
 * quotes and blanks ignored), or NULL. The table is loaded once, from
 * $MAILFERRY_DATADIR, the installed data directory, or the source tree. */
const char *mf_windows_zone_to_iana(const char *windows_name);

/* The reverse: the Windows zone name whose golden (territory 001) zone is
 * `iana` ("Europe/Berlin" -> "W. Europe Standard Time"), or NULL. Exact match;
 * IANA zones that are not golden zones of a Windows zone give NULL. */
const char *mf_windows_zone_from_iana(const char *iana);

#endif
