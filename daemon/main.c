/* SPDX-License-Identifier: MIT */
/*
 * main.c: docketd's command line: run the daemon, `init` a state
 * directory, or `--check` the configuration.
 *
 * Exit statuses: 0 success, 1 runtime failure, 64 usage error, 78
 * configuration error (sysexits).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <zmq.h>

#include "config.h"
#include "daemon.h"
#include "events.h"
#include "log.h"
#include "loop.h"
#include "setup.h"
#include "units.h"

#define DEFAULT_CONFIG "/etc/docket/docketd.yaml"

static const char *arg_config;
static bool arg_config_explicit;
static const char *arg_state_dir;
static const char *arg_endpoint;
static const char *arg_events_endpoint;
static const char *arg_log_level;
static const char *arg_workflows_dir;
static const char *arg_office_id = "office";
static const char *arg_office_name = "Talent Work Office";
static bool arg_check;

static void help(void)
{
	printf("Usage: docketd [OPTIONS]\n"
	       "       docketd init --state-dir DIR [--office-id ID] [--office-name NAME]\n"
	       "       docketd --check [OPTIONS]\n"
	       "\n"
	       "The docket coordination daemon: holds every matter and task of a leading\n"
	       "group in LMDB and serves clients over CURVE-authenticated ZeroMQ.\n"
	       "\n"
	       "Commands:\n"
	       "  (none)                 run the daemon (Type=notify under systemd)\n"
	       "  init                   create a state directory: the server key pair, the\n"
	       "                         store and the first office unit with its key\n"
	       "\n"
	       "Options:\n"
	       "  -c, --config FILE      configuration file (default " DEFAULT_CONFIG
	       " if it exists)\n"
	       "  -s, --state-dir DIR    state directory (store, keys, default sockets)\n"
	       "      --endpoint E       request endpoint (default ipc://DIR/docket.sock)\n"
	       "      --events-endpoint E  event endpoint (default ipc://DIR/events.sock)\n"
	       "      --log-level L      emerg, alert, crit, err, warning, notice, info, debug\n"
	       "      --workflows-dir D  workflow definitions and calendars/ (default\n"
	       "                         " DOCKET_WORKFLOWS_DIR ")\n"
	       "      --check            validate the configuration, the server key, the\n"
	       "                         calendar, the workflow definitions and the\n"
	       "                         assessment formula; exit 0, or 78 with every\n"
	       "                         problem listed\n"
	       "      --office-id ID     init: id of the first office unit (default office)\n"
	       "      --office-name NAME init: its display name\n"
	       "  -h, --help             show this help\n"
	       "      --version          show the version\n"
	       "\n"
	       "See docs/OPERATIONS.md for configuration keys, keys and backups.\n");
}

enum { OPT_ENDPOINT = 256, OPT_EVENTS, OPT_LOG_LEVEL, OPT_CHECK, OPT_OFFICE_ID,
       OPT_OFFICE_NAME, OPT_VERSION, OPT_WORKFLOWS_DIR };

static int parse_argv(int argc, char **argv, bool *ret_init)
{
	static const struct option options[] = {
		{"config", required_argument, NULL, 'c'},
		{"state-dir", required_argument, NULL, 's'},
		{"endpoint", required_argument, NULL, OPT_ENDPOINT},
		{"events-endpoint", required_argument, NULL, OPT_EVENTS},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"workflows-dir", required_argument, NULL, OPT_WORKFLOWS_DIR},
		{"check", no_argument, NULL, OPT_CHECK},
		{"office-id", required_argument, NULL, OPT_OFFICE_ID},
		{"office-name", required_argument, NULL, OPT_OFFICE_NAME},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:s:h", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			arg_config = optarg;
			arg_config_explicit = true;
			break;
		case 's':
			arg_state_dir = optarg;
			break;
		case OPT_ENDPOINT:
			arg_endpoint = optarg;
			break;
		case OPT_EVENTS:
			arg_events_endpoint = optarg;
			break;
		case OPT_LOG_LEVEL:
			arg_log_level = optarg;
			break;
		case OPT_WORKFLOWS_DIR:
			arg_workflows_dir = optarg;
			break;
		case OPT_CHECK:
			arg_check = true;
			break;
		case OPT_OFFICE_ID:
			arg_office_id = optarg;
			break;
		case OPT_OFFICE_NAME:
			arg_office_name = optarg;
			break;
		case 'h':
			help();
			exit(EXIT_SUCCESS);
		case OPT_VERSION:
			printf("docketd %s (protocol %d)\n", DOCKET_VERSION, DOCKET_PROTOCOL_VERSION);
			exit(EXIT_SUCCESS);
		default:
			fprintf(stderr, "Try 'docketd --help'.\n");
			return -EINVAL;
		}
	}
	*ret_init = false;
	if (optind < argc) {
		if (strcmp(argv[optind], "init") != 0 || optind + 1 != argc) {
			fprintf(stderr, "docketd: unexpected argument '%s'\nTry 'docketd --help'.\n",
				argv[optind]);
			return -EINVAL;
		}
		*ret_init = true;
	}
	return 0;
}

/* Load the configuration file (if any) and apply the flags on top. */
static int load_config(struct config *cfg)
{
	int nerr = 0, r;

	if (config_init(cfg) < 0)
		return -ENOMEM;
	if (!arg_config && access(DEFAULT_CONFIG, F_OK) == 0)
		arg_config = DEFAULT_CONFIG;
	if (arg_config) {
		r = config_load(cfg, arg_config, stderr);
		if (r < 0)
			return r;
		nerr += r;
	}
	if ((arg_state_dir && config_set(&cfg->state_dir, arg_state_dir) < 0) ||
	    (arg_endpoint && config_set(&cfg->endpoint, arg_endpoint) < 0) ||
	    (arg_events_endpoint && config_set(&cfg->events_endpoint, arg_events_endpoint) < 0) ||
	    (arg_log_level && config_set(&cfg->log_level, arg_log_level) < 0) ||
	    (arg_workflows_dir && config_set(&cfg->workflows_dir, arg_workflows_dir) < 0))
		return -ENOMEM;
	r = config_finish(cfg, stderr);
	if (r < 0)
		return r;
	nerr += r;
	return nerr;
}

static int check_config(const struct config *cfg)
{
	struct docket_keypair kp;
	struct calendar *cal = NULL;
	struct stat st;
	int nerr = 0, r;

	if (stat(cfg->state_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "state_dir %s does not exist: create it with 'docketd init "
				"--state-dir %s'\n", cfg->state_dir, cfg->state_dir);
		nerr++;
	}
	if (cfg->test_clock) {
		fprintf(stderr, "test_clock is set: this configuration is for tests only (the "
				"daemon's clock would stand still); remove test_clock\n");
		nerr++;
	}
	r = docket_key_load(cfg->server_key, &kp);
	if (r < 0 || kp.secret_key[0] == '\0') {
		fprintf(stderr, "server_key %s: %s\n", cfg->server_key,
			r < 0 ? strerror(-r) : "holds no secret key");
		nerr++;
	}
	{
		struct wf_set *set = NULL;

		r = setup_workflows(cfg, stderr, &set);
		if (r != 0)
			nerr += r < 0 ? 1 : r;
		else
			printf("%zu workflow definition%s in %s\n", set->ndefs,
			       set->ndefs == 1 ? "" : "s", cfg->workflows_dir);
		workflow_set_free(set);
	}
	{
		struct assess_formula *af = NULL;

		r = setup_assessment(cfg, stderr, &af);
		if (r != 0)
			nerr += r < 0 ? 1 : r;
		else
			printf("assessment formula '%s' in %s/" ASSESS_FILE_NAME "\n", af->title,
			       cfg->workflows_dir);
		assessment_free(af);
	}
	r = setup_calendar(cfg, stderr, &cal);
	if (r != 0) {
		nerr += r < 0 ? 1 : r;
	} else {
		char warn[512];

		if (setup_calendar_warning(cal, cfg->calendar, daemon_now_ms(NULL), warn,
					   sizeof(warn)))
			fprintf(stderr, "warning: %s\n", warn);
		calendar_free(cal);
	}
	return nerr;
}

static int mkdir_mode(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Remove FILE and FILE.pub as docket_keygen wrote them. */
static void remove_key_pair(const char *path)
{
	char *pub;

	(void)unlink(path);
	if (asprintf(&pub, "%s.pub", path) >= 0) {
		(void)unlink(pub);
		free(pub);
	}
}

static int run_init(struct config *cfg)
{
	struct docket_keypair server, office;
	struct daemon d = {.cfg = cfg, .next_seq = 1};
	struct store_txn *txn = NULL;
	struct wire_error err = {0};
	char *keys = NULL, *server_path = NULL, *office_path = NULL;
	uint8_t office_key[32];
	int r;

	if (!wire_is_slug(arg_office_id, strlen(arg_office_id), DOCKET_MAX_UNIT_ID)) {
		fprintf(stderr, "docketd: --office-id must be 1-%u characters of a-z, 0-9 and '-'\n",
			DOCKET_MAX_UNIT_ID);
		return EX_USAGE;
	}
	if (asprintf(&keys, "%s/keys", cfg->state_dir) < 0 ||
	    asprintf(&server_path, "%s", cfg->server_key) < 0 ||
	    asprintf(&office_path, "%s/%s.key", keys, arg_office_id) < 0)
		return EXIT_FAILURE;

	if (access(server_path, F_OK) == 0) {
		fprintf(stderr, "docketd: %s is already initialised (%s exists); nothing was "
				"changed\n", cfg->state_dir, server_path);
		r = EX_CANTCREAT;
		goto out;
	}
	if ((r = mkdir_mode(cfg->state_dir, 0750)) < 0 || (r = mkdir_mode(keys, 0700)) < 0) {
		fprintf(stderr, "docketd: cannot create %s: %s\n", keys, strerror(-r));
		r = EX_CANTCREAT;
		goto out;
	}
	if ((r = docket_keygen(server_path, &server)) < 0) {
		fprintf(stderr, "docketd: cannot write the server key %s: %s\n", server_path,
			strerror(-r));
		r = EX_CANTCREAT;
		goto out;
	}
	if ((r = docket_keygen(office_path, &office)) < 0) {
		fprintf(stderr, "docketd: cannot write the office key %s: %s\n", office_path,
			strerror(-r));
		remove_key_pair(server_path);
		r = EX_CANTCREAT;
		goto out;
	}
	zmq_z85_decode(office_key, office.public_key);

	r = store_open(cfg->state_dir,
		       &(struct store_options){.map_size = cfg->map_size_mb << 20,
					       .map_size_max = cfg->map_max_mb << 20},
		       &d.store);
	/* The store is empty: its stream indexes are complete, and events_append
	 * keeps them so; without the mark, the first start would index the
	 * office's events again as a store from before the indexes. */
	if (r >= 0)
		r = events_open_log(&d, NULL);
	if (r >= 0)
		r = store_begin(d.store, true, &txn);
	if (r >= 0)
		r = units_create(&d, txn, daemon_now_ms(&d), "", arg_office_id, arg_office_name,
				 DOCKET_ROLE_OFFICE, office_key, &err);
	if (r >= 0) {
		r = store_commit(txn);
	} else {
		store_abort(txn);
	}
	events_outbox_clear(&d);
	free(d.outbox.ev);
	d.store = store_close(d.store);
	if (r < 0) {
		fprintf(stderr, "docketd: cannot create the store in %s: %s; the key files "
				"were removed again, nothing is left half done\n",
			cfg->state_dir, err.code ? err.message : strerror(-r));
		remove_key_pair(server_path);
		remove_key_pair(office_path);
		r = EXIT_FAILURE;
		goto out;
	}

	printf("Initialised %s\n"
	       "  store:             %s/data.mdb\n"
	       "  server key:        %s (public: %s.pub)\n"
	       "  office unit:       %s (\"%s\"), key %s\n"
	       "  request endpoint:  %s\n"
	       "  events endpoint:   %s\n"
	       "\n"
	       "Start the daemon:    docketd%s%s --state-dir %s%s%s%s%s%s%s\n"
	       "Connect as %s:\n"
	       "  export DOCKET_ENDPOINT=%s DOCKET_EVENTS=%s\n"
	       "  export DOCKET_SERVER_KEY=%s.pub DOCKET_KEY=%s\n",
	       cfg->state_dir, cfg->state_dir, server_path, server_path, arg_office_id,
	       arg_office_name, office_path, cfg->endpoint, cfg->events_endpoint,
	       /* The options init was given, so the daemon starts as init was told. */
	       arg_config_explicit ? " --config " : "", arg_config_explicit ? arg_config : "",
	       cfg->state_dir, arg_workflows_dir ? " --workflows-dir " : "",
	       arg_workflows_dir ? arg_workflows_dir : "", arg_endpoint ? " --endpoint " : "",
	       arg_endpoint ? arg_endpoint : "", arg_events_endpoint ? " --events-endpoint " : "",
	       arg_events_endpoint ? arg_events_endpoint : "", arg_office_id, cfg->endpoint,
	       cfg->events_endpoint, server_path, office_path);
	if (access(cfg->workflows_dir, R_OK | X_OK) < 0)
		printf("\nThe workflows directory %s cannot be read (%s).\n"
		       "The daemon needs its definitions, assessment formula and calendars: give\n"
		       "--workflows-dir DIR (the source tree's workflows/, or where 'cmake --install'\n"
		       "put them).\n",
		       cfg->workflows_dir, strerror(errno));
	r = EXIT_SUCCESS;
out:
	free(keys);
	free(server_path);
	free(office_path);
	return r;
}

int main(int argc, char **argv)
{
	struct config cfg;
	bool init;
	int r;

	if (parse_argv(argc, argv, &init) < 0)
		return EX_USAGE;
	if (init && !arg_state_dir) {
		fprintf(stderr, "docketd: init needs --state-dir DIR\nTry 'docketd --help'.\n");
		return EX_USAGE;
	}
	r = load_config(&cfg);
	if (r == -ENOMEM) {
		fprintf(stderr, "docketd: out of memory\n");
		return EXIT_FAILURE;
	}
	if (r != 0) {
		fprintf(stderr, "docketd: the configuration has %s; nothing was started\n",
			r < 0 ? "an unreadable file" : "errors (listed above)");
		config_done(&cfg);
		return EX_CONFIG;
	}
	log_set_max_level(log_level_from_string(cfg.log_level));

	if (init) {
		r = run_init(&cfg);
	} else if (arg_check) {
		r = check_config(&cfg);
		if (r == 0)
			printf("configuration OK\n");
		r = r == 0 ? EXIT_SUCCESS : EX_CONFIG;
	} else {
		r = loop_run(&cfg);
	}
	config_done(&cfg);
	return r;
}
