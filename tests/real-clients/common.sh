# Shared by the real-client scripts (sourced): build and start the standalone mock over
# HTTPS with a self-signed certificate the clients trust through environment variables,
# install a client from PyPI into a virtualenv from a pinned requirements file, stop
# everything (by PID) on exit. Talks to 127.0.0.1 only.

REPO_ROOT="${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
HERE="$REPO_ROOT/tests/real-clients"
WORK="$(mktemp -d)"
MOCK_PID=""

cleanup() {
    if [[ -n "$MOCK_PID" ]] && kill -0 "$MOCK_PID" 2>/dev/null; then
        kill "$MOCK_PID" 2>/dev/null || true
        wait "$MOCK_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

die() { echo "$(basename "$0"): FAIL: $*" >&2; exit 1; }

# start_mock TOKEN [mock options...]: sets BASE_URL, HOST, ACCOUNT_ID, CA_PEM.
start_mock() {
    local token="$1"
    shift
    (cd "$REPO_ROOT" && cargo build --quiet -p dbt-cloud-mock --bin dbt-cloud-mock) || die "building the mock"
    local bin="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/dbt-cloud-mock"
    [[ -x "$bin" ]] || die "mock binary not found at $bin"
    CA_PEM="$WORK/mock-ca.pem"
    "$bin" --addr 127.0.0.1:0 --token "$token" --tls-self-signed "$CA_PEM" "$@" \
        >"$WORK/mock.out" 2>"$WORK/mock.err" &
    MOCK_PID=$!
    for _ in $(seq 1 100); do
        grep -q '^token_hint=' "$WORK/mock.out" 2>/dev/null && break
        kill -0 "$MOCK_PID" 2>/dev/null || { cat "$WORK/mock.err" >&2; die "the mock exited"; }
        sleep 0.1
    done
    BASE_URL="$(head -n 1 "$WORK/mock.out")"
    ACCOUNT_ID="$(sed -n 's/^account_id=//p' "$WORK/mock.out")"
    [[ "$BASE_URL" == https://127.0.0.1:* ]] || die "unexpected URL line: $BASE_URL"
    HOST="${BASE_URL#https://}"
    export REQUESTS_CA_BUNDLE="$CA_PEM" SSL_CERT_FILE="$CA_PEM"
    export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
    echo "   mock at $BASE_URL (pid $MOCK_PID), account $ACCOUNT_ID"
}

# make_venv NAME: a virtualenv with requirements/NAME.txt installed; sets VENV.
make_venv() {
    VENV="$WORK/venv-$1"
    python3 -m venv "$VENV" || die "creating a virtualenv"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements/$1.txt" \
        || die "installing requirements/$1.txt from PyPI"
}
