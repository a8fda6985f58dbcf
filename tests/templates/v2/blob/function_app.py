import logging

import azfunc as func

app = func.FunctionApp()


@app.blob_trigger(arg_name="myblob", path="samples/{name}", connection="AzureWebJobsStorage")
def blob_trigger(myblob: func.InputStream) -> None:
    logging.info("blob %s of %s bytes", myblob.name, myblob.length)
