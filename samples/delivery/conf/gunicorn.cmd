# gunicorn as the harness ran it (cwd: the run folder; the app reads DT_* from the environment)
TZ=UTC \
DT_LOG_FORMAT='%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s' \
DT_EXTRA_LOGS='./logs/app-stdlib.log	%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s
./logs/app-dashes.log	%(asctime)s - %(name)s - %(levelname)s - %(message)s' \
DT_APP_LOG=./logs/app.ndjson \
DT_SLOW_SECONDS=1.0 \
PYTHONDONTWRITEBYTECODE=1 \
PYTHONUNBUFFERED=1 \
/usr/bin/gunicorn app:app --chdir test/harness/app -k uvicorn.workers.UvicornWorker -w 2 -b 127.0.0.1:37333 -b 127.0.0.1:35771 --timeout 3 --graceful-timeout 2 --keep-alive 2 --log-level info --access-logfile -
