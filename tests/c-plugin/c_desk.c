/*
 * A handover-migrate provider plugin in plain C: the fictional "C Desk" contact center,
 * legacy kind `cDesk` -> service `cDesk`. It implements docs/handover-migrate-plugin.h.
 *
 * Build: gcc -shared -fPIC -I docs -o libc_desk.so tests/c-plugin/c_desk.c
 *
 * Mapping: `baseUrl` (required) and `apiKey` (secret) become provider properties;
 * `defaultQueue` fills the node field `cDeskQueue` where a node left it empty.
 *
 * A real plugin would use a JSON library; this one reads the few string values it needs
 * from the host's compact request JSON by hand, to stay dependency-free.
 *
 * Deliberately hostile variants, for handover-migrate's own isolation tests: build with
 * -DHOSTILE=n to misbehave in map_settings (see `hostile` below).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handover-migrate-plugin.h"

static char *dup_string(const char *text) {
    size_t n = strlen(text) + 1;
    char *copy = malloc(n);
    if (copy != NULL) {
        memcpy(copy, text, n);
    }
    return copy;
}

/*
 * The raw (still JSON-escaped) string value of "key" inside the object that starts at
 * `from`, or NULL. Good enough for the host's compact serialization of flat settings.
 */
static char *string_value(const char *from, const char *key) {
    char pattern[128];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = strstr(from, pattern);
    if (start == NULL) {
        return NULL;
    }
    start += strlen(pattern);
    const char *end = start;
    while (*end != '\0' && *end != '"') {
        end += (*end == '\\' && end[1] != '\0') ? 2 : 1;
    }
    size_t n = (size_t)(end - start);
    char *value = malloc(n + 1);
    if (value == NULL) {
        return NULL;
    }
    memcpy(value, start, n);
    value[n] = '\0';
    return value;
}

const char *hm_contract_version(void) {
    return "1.0";
}

char *hm_info(void) {
    return dup_string(
        "{\"name\":\"c-desk\",\"version\":\"0.3.0\",\"contract_version\":\"1.0\","
        "\"pairs\":[{\"pair\":{\"source_kind\":\"cDesk\",\"target_service\":\"cDesk\"},"
        "\"display_name\":\"C Desk\",\"webhook_path\":\"/handover/cdesk\",\"warnings\":[],"
        "\"mapping\":[{\"legacy_key\":\"baseUrl\",\"destination\":{\"to\":\"property\",\"key\":\"baseUrl\"},"
        "\"class\":\"plain\",\"required\":true,\"format\":\"absolute URL\",\"label\":\"Base URL\"},"
        "{\"legacy_key\":\"apiKey\",\"destination\":{\"to\":\"property\",\"key\":\"apiKey\"},"
        "\"class\":\"secret\",\"required\":true,\"format\":\"string\",\"label\":\"API key\"},"
        "{\"legacy_key\":\"defaultQueue\",\"destination\":{\"to\":\"node_default\",\"key\":\"defaultQueue\"},"
        "\"class\":\"plain\",\"required\":false,\"format\":\"string\",\"label\":\"Default queue\"}],"
        "\"node_fields\":[\"cDeskQueue\"],"
        "\"node_types\":[\"handoverToAgent\",\"checkAgentAvailability\"]}]}");
}

static char *map_settings(const char *request) {
    const char *settings = strstr(request, "\"settings\":");
    if (settings == NULL) {
        return NULL;
    }
    char *base_url = string_value(settings, "baseUrl");
    char *api_key = string_value(settings, "apiKey");
    char *queue = string_value(settings, "defaultQueue");
    char *out = NULL;
    if (base_url == NULL || base_url[0] == '\0') {
        out = dup_string("{\"issues\":[{\"field\":\"baseUrl\",\"message\":\"required setting `baseUrl` (Base URL) "
                         "is missing; set it on the endpoint\"}]}");
    } else {
        size_t n = 512 + strlen(base_url) + (api_key ? strlen(api_key) : 0) + (queue ? strlen(queue) : 0);
        out = malloc(n);
        if (out != NULL) {
            char key_value[64];
            const char *key_text = api_key ? api_key : "";
            snprintf(key_value, sizeof key_value, "%s", api_key ? "{\"state\":\"known\",\"value\":\"" : "{\"state\":\"missing\"");
            snprintf(out, n,
                     "{\"ok\":{\"properties\":["
                     "{\"key\":\"baseUrl\",\"class\":\"plain\",\"value\":{\"state\":\"known\",\"value\":\"%s\"}},"
                     "{\"key\":\"apiKey\",\"class\":\"secret\",\"value\":%s%s%s}],"
                     "\"node_defaults\":{%s%s%s},\"notes\":[]}}",
                     base_url, key_value, key_text, api_key ? "\"}" : "}",
                     queue ? "\"defaultQueue\":\"" : "", queue ? queue : "", queue ? "\"" : "");
        }
    }
    free(base_url);
    free(api_key);
    free(queue);
    return out;
}

static char *manual_steps(const char *request) {
    if (strstr(request, "\"state\":\"missing\"") != NULL) {
        return dup_string("[{\"key\":\"secrets.apiKey\",\"kind\":{\"kind\":\"secret\",\"property\":\"apiKey\"},"
                          "\"prompt\":\"Enter the C Desk API key (`apiKey`).\"}]");
    }
    return dup_string("[]");
}

/* The host serializes `config` before `endpoint_defaults`. */
static char *rewrite_node(const char *request) {
    const char *defaults = strstr(request, "\"endpoint_defaults\":");
    const char *config = strstr(request, "\"config\":");
    char *queue = defaults ? string_value(defaults, "defaultQueue") : NULL;
    char *current = config ? string_value(config, "cDeskQueue") : NULL;
    char *out;
    if (queue != NULL && (current == NULL || current[0] == '\0')) {
        size_t n = 64 + strlen(queue);
        out = malloc(n);
        if (out != NULL) {
            snprintf(out, n, "{\"ok\":{\"set\":{\"cDeskQueue\":\"%s\"}}}", queue);
        }
    } else {
        out = dup_string("{\"ok\":{}}");
    }
    free(queue);
    free(current);
    return out;
}

#ifdef HOSTILE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define HOSTILE_SEGFAULT 1
#define HOSTILE_ABORT 2
#define HOSTILE_STACK_OVERFLOW 3
#define HOSTILE_ENDLESS_LOOP 4
#define HOSTILE_MEMORY 5
#define HOSTILE_GARBAGE 6
#define HOSTILE_LOOP_WHEN_OPENED 7
#define HOSTILE_OVERSIZED 8
#define HOSTILE_PROBE 9

#if HOSTILE == HOSTILE_LOOP_WHEN_OPENED
/* Runs when the library is opened, before any check or hook. */
__attribute__((constructor)) static void loop_when_opened(void) {
    for (;;) {
    }
}
#endif

static volatile int sink;

/* Frames smaller than a page, so that the first fault past the stack is in its guard page
 * (what the runtime recognises as an overflow). A frame of a page or more, written at its
 * low end only, can step over a one-page guard depending on where the stack starts: that
 * overflow is still contained, but reported as a plain SIGSEGV, and this test flaked on it. */
static int recurse(volatile int depth) {
    volatile char frame[1024];
    if (depth < 0) {
        return 0;
    }
    frame[0] = (char)depth;
    return recurse(depth + 1) + frame[0];
}

/*
 * The probe: try what the endpoint's settings name, `probeWrite` (a file to create),
 * `probeRead` (a file to read), `probeConnect` (`127.0.0.1:port` to connect to). A blocked
 * attempt becomes an error answer saying what the operating system said; NULL if none was.
 */
static char *probe(const char *request) {
    const char *settings = strstr(request, "\"settings\":");
    char message[1024] = "";
    char *value;
    if (settings == NULL) {
        return NULL;
    }
    if (message[0] == '\0' && (value = string_value(settings, "probeWrite")) != NULL) {
        FILE *file = fopen(value, "w");
        if (file == NULL) {
            snprintf(message, sizeof message, "probe blocked: write %s: %s", value, strerror(errno));
        } else {
            fclose(file);
        }
        free(value);
    }
    if (message[0] == '\0' && (value = string_value(settings, "probeRead")) != NULL) {
        FILE *file = fopen(value, "r");
        if (file == NULL) {
            snprintf(message, sizeof message, "probe blocked: read %s: %s", value, strerror(errno));
        } else {
            fclose(file);
        }
        free(value);
    }
    if (message[0] == '\0' && (value = string_value(settings, "probeConnect")) != NULL) {
        char *colon = strrchr(value, ':');
        struct sockaddr_in address;
        memset(&address, 0, sizeof address);
        address.sin_family = AF_INET;
        address.sin_port = htons((unsigned short)(colon ? atoi(colon + 1) : 0));
        if (colon != NULL) {
            *colon = '\0';
        }
        inet_pton(AF_INET, value, &address.sin_addr);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
            if (colon != NULL) {
                *colon = ':';
            }
            snprintf(message, sizeof message, "probe blocked: connect %s: %s", value, strerror(errno));
        }
        if (fd >= 0) {
            close(fd);
        }
        free(value);
    }
    if (message[0] == '\0') {
        return NULL;
    }
    size_t n = strlen(message) + 64;
    char *error = malloc(n);
    if (error != NULL) {
        snprintf(error, n, "{\"code\":\"failed\",\"message\":\"%s\"}", message);
    }
    return error;
}

/* A well-formed answer padded to over 20 MiB. */
static char *oversized(char *answer) {
    size_t pad = 20u << 20;
    size_t n = answer ? strlen(answer) : 0;
    char *big = malloc(n + pad + 1);
    if (big != NULL) {
        memcpy(big, answer ? answer : "", n);
        memset(big + n, ' ', pad);
        big[n + pad] = '\0';
    }
    free(answer);
    return big;
}

/*
 * What a crashing, hanging, forging or prying library does to the process it is loaded in.
 * Returns an error answer to give instead of the hook's, or NULL.
 */
static char *hostile(const char *request) {
    switch (HOSTILE) {
    case HOSTILE_SEGFAULT:
        sink = *(volatile int *)0;
        break;
    case HOSTILE_ABORT:
        abort();
    case HOSTILE_STACK_OVERFLOW:
        sink = recurse(0);
        break;
    case HOSTILE_ENDLESS_LOOP:
        for (;;) {
            sink++;
        }
    case HOSTILE_MEMORY:
        for (;;) {
            size_t size = 64u << 20;
            char *block = malloc(size);
            if (block == NULL) {
                abort();
            }
            memset(block, 1, size);
        }
    case HOSTILE_GARBAGE: {
        /* Forge the runner's answer stream: the lowest descriptor after the standard ones. */
        static const char garbage[] = "\x05\x00\x00\x00Xjunk";
        sink = (int)write(3, garbage, sizeof garbage - 1);
        break;
    }
    case HOSTILE_PROBE:
        return probe(request);
    }
    return NULL;
}
#endif

char *hm_call(const char *hook, const char *request_json, int *is_error) {
    *is_error = 0;
    if (strcmp(hook, "map_settings") == 0) {
#ifdef HOSTILE
        char *refused = hostile(request_json);
        if (refused != NULL) {
            *is_error = 1;
            return refused;
        }
        if (HOSTILE == HOSTILE_OVERSIZED) {
            return oversized(map_settings(request_json));
        }
#endif
        return map_settings(request_json);
    }
    if (strcmp(hook, "manual_steps") == 0) {
        return manual_steps(request_json);
    }
    if (strcmp(hook, "rewrite_node") == 0) {
        return rewrite_node(request_json);
    }
    if (strcmp(hook, "verify") == 0) {
        return dup_string("[]");
    }
    *is_error = 1;
    return dup_string("{\"code\":\"unknown_hook\",\"message\":\"c-desk does not know this hook\"}");
}

void hm_free(char *text) {
    free(text);
}
