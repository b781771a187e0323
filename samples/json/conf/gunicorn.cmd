# gunicorn as the harness ran it (cwd: the run folder; the app reads DT_* from the environment)
TZ=Asia/Kolkata \
DT_LOG_FORMAT='%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s' \
DT_APP_LOG=./logs/app.ndjson \
DT_SLOW_SECONDS=1.0 \
PYTHONDONTWRITEBYTECODE=1 \
PYTHONUNBUFFERED=1 \
/usr/bin/gunicorn app:app --chdir test/harness/app -k uvicorn.workers.UvicornWorker -w 2 -b 127.0.0.1:46765 -b 127.0.0.1:45383 --timeout 3 --graceful-timeout 2 --keep-alive 2 --log-level info
