# shellcheck shell=bash
# A private nginx (Debian's package) as a fleet store for the tests and the
# benchmark: its own prefix, config and logs in a temporary directory, on
# 127.0.0.1 at a free port, WebDAV PUT/DELETE enabled, and PROPFIND from
# the dav_ext module (libnginx-mod-http-dav-ext: nginx's own dav module has
# no PROPFIND), which `fleet pull` lists hosts/ with. Never the system
# nginx service. Sourced; needs $T_TMP (lib.sh) or NGX_DIR.
#   [NGX_DAV_EXT_OFF=1] ngx_start [EXTRA_SERVER_CONFIG]   sets NGX_PORT, NGX_URL (http://127.0.0.1:PORT),
#                                     NGX_ROOT (document root), NGX_LOG (access log)
#   ngx_stop
# Fixed locations for the error tests: /forbidden/ (403), /broken/ (500).

NGX_BIN=${NGX_BIN:-$(command -v nginx || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; })}
NGX_DIR=${NGX_DIR:-$T_TMP/nginx}
NGX_DAV_EXT=${NGX_DAV_EXT:-/usr/lib/nginx/modules/ngx_http_dav_ext_module.so}
NGX_PID=
export NGX_PORT NGX_URL NGX_ROOT NGX_LOG

ngx_port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

ngx_start() {
	local extra=${1:-} port user=
	[[ -n $NGX_BIN ]] || return 77
	local dav_ext="load_module $NGX_DAV_EXT;" propfind="dav_ext_methods PROPFIND OPTIONS;"
	# NGX_DAV_EXT_OFF=1: nginx's own dav module alone (PROPFIND is 405)
	[[ -n ${NGX_DAV_EXT_OFF:-} ]] && dav_ext='' propfind=''
	[[ -n ${NGX_DAV_EXT_OFF:-} || -r $NGX_DAV_EXT ]] || {
		echo "fleet-nginx.sh: $NGX_DAV_EXT missing (apt-get install libnginx-mod-http-dav-ext)" >&2
		return 1
	}
	mkdir -p "$NGX_DIR"/{root,logs,tmp}
	NGX_ROOT=$NGX_DIR/root
	NGX_LOG=$NGX_DIR/logs/access.log
	# As root the master hands requests to workers; keep them as root so
	# they can write the temporary store.
	[[ $(id -u) -eq 0 ]] && user="user root;"
	# a restart keeps the port (and so NGX_URL) when it is still free
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + (RANDOM % 20000)))
		[[ $try -eq 1 && -n ${NGX_PORT:-} ]] && port=$NGX_PORT
		ngx_port_free "$port" || continue
		cat >"$NGX_DIR/nginx.conf" <<EOF
$dav_ext
daemon off;
worker_processes 1;
$user
pid $NGX_DIR/nginx.pid;
error_log $NGX_DIR/logs/error.log;
events { worker_connections 256; }
http {
	log_format fleet '\$request_method \$uri \$status \$body_bytes_sent "\$http_authorization" "\$http_x_amz_content_sha256" "\$http_if_match"';
	access_log $NGX_LOG fleet;
	client_body_temp_path $NGX_DIR/tmp;
	proxy_temp_path $NGX_DIR/tmp;
	fastcgi_temp_path $NGX_DIR/tmp;
	uwsgi_temp_path $NGX_DIR/tmp;
	scgi_temp_path $NGX_DIR/tmp;
	types { application/xml xml; }
	keepalive_requests 100000;
	server {
		listen 127.0.0.1:$port;
		root $NGX_ROOT;
		client_max_body_size 256m;
		location / {
			dav_methods PUT DELETE;
			$propfind
			create_full_put_path on;
			dav_access user:rw group:r all:r;
		}
		location /forbidden/ { return 403; }
		location /broken/ { return 500; }
		$extra
	}
}
EOF
		"$NGX_BIN" -p "$NGX_DIR" -c "$NGX_DIR/nginx.conf" 2>>"$NGX_DIR/logs/start.log" &
		NGX_PID=$!
		for _ in $(seq 50); do
			if ! kill -0 "$NGX_PID" 2>/dev/null; then
				break
			fi
			if ! ngx_port_free "$port"; then
				NGX_PORT=$port
				NGX_URL=http://127.0.0.1:$port
				return 0
			fi
			sleep 0.1
		done
		ngx_stop
	done
	cat "$NGX_DIR/logs/start.log" "$NGX_DIR/logs/error.log" >&2 2>/dev/null
	return 1
}

ngx_stop() {
	if [[ -n $NGX_PID ]]; then
		kill "$NGX_PID" 2>/dev/null
		wait "$NGX_PID" 2>/dev/null
		NGX_PID=
	fi
}
