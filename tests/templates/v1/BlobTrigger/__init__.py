import logging

import azfunc as func


def main(myblob: func.InputStream) -> None:
    logging.info("blob %s of %s bytes", myblob.name, myblob.length)
