"""Storage the local host reaches: which store a ``connection`` setting names, and the
``azfunc check`` findings about it. Pure; the Azure SDKs are imported only by a backend."""
