#!/bin/sh
# Recreates testdata/maildir/plusplus/ (see README.md). Run from testdata/maildir/.
set -eu
rm -rf plusplus
d=plusplus
mkdir -p "$d/cur" "$d/new" "$d/tmp" "$d/.A.B/new" "$d/.Entw&APw-rfe/cur"
msg() { printf 'From: fixture@example.org\nTo: user@example.org\nSubject: %s\nDate: Thu, 01 Jan 2015 00:00:00 +0000\nMessage-ID: <%s@fixture.example.org>\n\n%s body\n' "$1" "$1" "$1"; }
msg inbox-seen-junk       > "$d/cur/1000000000.M1P1.fixture:2,Sa"
msg inbox-new             > "$d/new/1000000001.M2P1.fixture"
msg in-tmp                > "$d/tmp/1000000002.M3P1.fixture"
msg hidden                > "$d/cur/.hidden-file"
msg entwuerfe-draft       > "$d/.Entw&APw-rfe/cur/1000000003.M4P1.fixture!2,DS"
msg a-b-new               > "$d/.A.B/new/1000000004.M5P1.fixture"
printf '0 $Junk\n1 Work\nnot a keyword line\n' > "$d/dovecot-keywords"
printf '3 V1 1 1\n' > "$d/dovecot-uidlist"
: > "$d/.A.B/maildirfolder"
: > "$d/.Entw&APw-rfe/maildirfolder"
