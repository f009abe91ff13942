/* mf-pst-walk FILE.pst: reads every property value of every message, recipient
 * row and attachment (embedded messages too) through libpff, the way a
 * converter must, and writes nothing. scripts/bench times it next to readpst
 * and mailferry: it is the floor under any libpff-based converter, with the
 * same checksum and name-to-id fast paths as mailferry (formats/pst/pst-crc.c,
 * pst-nameid.c). Prints the messages and value bytes read. */
#include <libpff.h>
#include <stdio.h>
#include <stdlib.h>

#include "../formats/pst/pst-crc.h"

typedef struct {
	unsigned long messages;
	unsigned long long bytes;
} totals;

static void read_values(libpff_item_t *item, totals *t)
{
	int sets = 0;
	if (libpff_item_get_number_of_record_sets(item, &sets, NULL) != 1)
		return;
	for (int s = 0; s < sets; s++) {
		libpff_record_set_t *set = NULL;
		int entries = 0;
		if (libpff_item_get_record_set_by_index(item, s, &set, NULL) != 1)
			continue;
		libpff_record_set_get_number_of_entries(set, &entries, NULL);
		for (int e = 0; e < entries; e++) {
			libpff_record_entry_t *entry = NULL;
			size_t size = 0;
			if (libpff_record_set_get_entry_by_index(set, e, &entry, NULL) != 1)
				continue;
			if (libpff_record_entry_get_data_size(entry, &size, NULL) == 1 && size > 0) {
				uint8_t *buf = malloc(size);
				if (buf && libpff_record_entry_get_data(entry, buf, size, NULL) == 1)
					t->bytes += size;
				free(buf);
			}
			libpff_record_entry_free(&entry, NULL);
		}
		libpff_record_set_free(&set, NULL);
	}
}

static void read_message(libpff_item_t *msg, totals *t, int depth)
{
	read_values(msg, t); /* bodies included */
	libpff_item_t *recipients = NULL;
	if (libpff_message_get_recipients(msg, &recipients, NULL) == 1) {
		read_values(recipients, t);
		libpff_item_free(&recipients, NULL);
	}
	int n = 0;
	libpff_message_get_number_of_attachments(msg, &n, NULL);
	for (int i = 0; i < n; i++) {
		libpff_item_t *att = NULL;
		int type = 0;
		if (libpff_message_get_attachment(msg, i, &att, NULL) != 1)
			continue;
		read_values(att, t); /* the file's bytes are the PR_ATTACH_DATA_BIN value */
		libpff_attachment_get_type(att, &type, NULL);
		libpff_item_t *embedded = NULL;
		if (type == LIBPFF_ATTACHMENT_TYPE_ITEM && depth < 16 &&
		    libpff_attachment_get_item(att, &embedded, NULL) == 1) {
			read_message(embedded, t, depth + 1);
			libpff_item_free(&embedded, NULL);
		}
		libpff_item_free(&att, NULL);
	}
}

static void read_folder(libpff_item_t *folder, totals *t, int depth)
{
	int n = 0;
	if (libpff_folder_get_number_of_sub_messages(folder, &n, NULL) == 1)
		for (int i = 0; i < n; i++) {
			libpff_item_t *msg = NULL;
			if (libpff_folder_get_sub_message(folder, i, &msg, NULL) != 1)
				continue;
			read_message(msg, t, 0);
			t->messages++;
			libpff_item_free(&msg, NULL);
		}
	if (depth >= 64 || libpff_folder_get_number_of_sub_folders(folder, &n, NULL) != 1)
		return;
	for (int i = 0; i < n; i++) {
		libpff_item_t *sub = NULL;
		if (libpff_folder_get_sub_folder(folder, i, &sub, NULL) != 1)
			continue;
		read_folder(sub, t, depth + 1);
		libpff_item_free(&sub, NULL);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mf-pst-walk FILE.pst\n");
		return 2;
	}
	mfi_pst_crc_init();
	libpff_file_t *file = NULL;
	libpff_item_t *root = NULL;
	if (libpff_file_initialize(&file, NULL) != 1 ||
	    libpff_file_open(file, argv[1], LIBPFF_OPEN_READ, NULL) != 1 ||
	    libpff_file_get_root_folder(file, &root, NULL) != 1) {
		fprintf(stderr, "mf-pst-walk: %s: cannot open as PST/OST\n", argv[1]);
		return 3;
	}
	totals t = { 0, 0 };
	read_folder(root, &t, 0);
	printf("%lu messages, %llu bytes of values\n", t.messages, t.bytes);
	libpff_item_free(&root, NULL);
	libpff_file_close(file, NULL);
	libpff_file_free(&file, NULL);
	mfi_pst_nameid_forget();
	return 0;
}
