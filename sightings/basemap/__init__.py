"""The offline basemap layers built from installable packages (manage.py build_basemap)."""
