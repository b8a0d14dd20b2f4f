# Sourced by scripts/test and scripts/bench after lib/fake-gcs.sh (which creates the project's
# virtualenv, .venv): installs moto's server, the AWS emulator the AWS backends are tested
# against, and boto3, with which tests/aws/setup.py creates the values they read (a client
# other than the SDK under test), the first time. Exports MOTO_SERVER, the `moto_server` script
# the tests start themselves, and AWS_PYTHON, the interpreter that runs the setup script.
venv=.venv
if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c 'import boto3' 2>/dev/null; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]' boto3
fi
MOTO_SERVER="$PWD/$venv/bin/moto_server"
export MOTO_SERVER
AWS_PYTHON="$PWD/$venv/bin/python"
export AWS_PYTHON
