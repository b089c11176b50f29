package backend

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

// DecodeUpdateSetsForTest decodes a WaitForUpdatesEx answer both ways: with the inventory's
// decoder (fastErr when it hands the answer to govmomi's) and with govmomi's alone.
func DecodeUpdateSetsForTest(body []byte) (fast *types.UpdateSet, fastErr error, slow *methods.WaitForUpdatesExBody, slowErr error) {
	fast, fastErr = fastUpdateSet(body, types.TypeFunc(), nil)
	slow = &methods.WaitForUpdatesExBody{}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.TypeFunc = types.TypeFunc()
	slowErr = dec.Decode(&soap.Envelope{Body: slow})
	return fast, fastErr, slow, slowErr
}

// InventoryFilterForTest is what a site's ContainerView filter asks of each type.
func InventoryFilterForTest() ([]string, []types.PropertySpec) {
	return viewTypes, propSpecs
}

// Answers as vCenter writes them (xsi and xsd declared on the envelope) and as vcsim does
// (xsi declared on every value), with the shapes the decoder hands to govmomi.
const (
	envelopeStart = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body>`
	envelopeEnd = `</soapenv:Body></soapenv:Envelope>`

	vcenterAnswer = envelopeStart + `<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>1</version><filterSet><filter type="PropertyFilter">session[52a]52b</filter>
<objectSet><kind>enter</kind><obj type="VirtualMachine">vm-42</obj>
<changeSet><name>name</name><op>assign</op><val xsi:type="xsd:string">web &amp; &lt;db&gt; &#233;&#x41;</val></changeSet>
<changeSet><name>runtime.powerState</name><op>assign</op><val xsi:type="VirtualMachinePowerState">poweredOn</val></changeSet>
<changeSet><name>runtime.host</name><op>assign</op><val type="HostSystem" xsi:type="ManagedObjectReference">host-9</val></changeSet>
<changeSet><name>summary.config.numCpu</name><op>assign</op><val xsi:type="xsd:int"> 4 </val></changeSet>
<changeSet><name>summary.config.template</name><op>assign</op><val xsi:type="xsd:boolean">false</val></changeSet>
<changeSet><name>network</name><op>assign</op><val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Network" xsi:type="ManagedObjectReference">network-7</ManagedObjectReference><ManagedObjectReference type="DistributedVirtualPortgroup" xsi:type="ManagedObjectReference">dvportgroup-8</ManagedObjectReference></val></changeSet>
<changeSet><name>datastore</name><op>assign</op><val xsi:type="ArrayOfManagedObjectReference"/></changeSet>
<changeSet><name>rootSnapshot</name><op>assign</op><val xsi:type="ArrayOfManagedObjectReference"></val></changeSet>
<changeSet><name>config.annotation</name><op>remove</op></changeSet>
</objectSet>
<objectSet><kind>modify</kind><obj type="Datastore">datastore-3</obj><changeSet><name>summary.freeSpace</name><op>assign</op><val xsi:type="xsd:long">1099511627776</val></changeSet>
<changeSet><name>host</name><op>assign</op><val xsi:type="ArrayOfDatastoreHostMount"><DatastoreHostMount xsi:type="DatastoreHostMount"><key type="HostSystem">host-9</key><mountInfo><accessMode>readWrite</accessMode><mounted>true</mounted><accessible>true</accessible></mountInfo></DatastoreHostMount></val></changeSet></objectSet>
<objectSet><kind>leave</kind><obj type="VirtualMachine">vm-41</obj></objectSet>
</filterSet><truncated>true</truncated></returnval></WaitForUpdatesExResponse>` + envelopeEnd

	vcsimAnswer = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>P</version><filterSet><filter type="PropertyFilter">session[ff95]faee</filter><objectSet><kind>enter</kind><obj type="VirtualMachine">vm-283</obj><changeSet><name>name</name><op>assign</op><val xmlns:_XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" _XMLSchema-instance:type="xsd:string">web-94</val></changeSet><changeSet><name>runtime.host</name><op>assign</op><val type="HostSystem" xmlns:_XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" _XMLSchema-instance:type="ManagedObjectReference">host-43</val></changeSet><changeSet><name>summary.config.memorySizeMB</name><op>assign</op><val xmlns:_XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" _XMLSchema-instance:type="xsd:int">4096</val></changeSet></objectSet></filterSet></returnval></WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>`

	noChange = envelopeStart + `<WaitForUpdatesExResponse xmlns="urn:vim25"></WaitForUpdatesExResponse>` + envelopeEnd

	faultAnswer = envelopeStart + `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.</faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="Folder">group-d1</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail></soapenv:Fault>` + envelopeEnd

	missingAnswer = envelopeStart + `<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>2</version><filterSet><filter type="PropertyFilter">f</filter><objectSet><kind>modify</kind><obj type="VirtualMachine">vm-1</obj><missingSet><path>config.instanceUuid</path><fault><fault xsi:type="NoPermission"><object type="VirtualMachine">vm-1</object><privilegeId>System.Read</privilegeId></fault><localizedMessage></localizedMessage></fault></missingSet></objectSet></filterSet></returnval></WaitForUpdatesExResponse>` + envelopeEnd
)

// TestUpdateSetDecoderMatchesGovmomi decodes answers of every shape both ways: what the fast
// path reads equals govmomi's reading, and what it leaves to govmomi is read by govmomi.
func TestUpdateSetDecoderMatchesGovmomi(t *testing.T) {
	for _, c := range []struct {
		name, body string
		fast       bool // read without govmomi
	}{
		{"vCenter", vcenterAnswer, true},
		{"vcsim", vcsimAnswer, true},
		{"no change", noChange, true},
		{"fault", faultAnswer, false},
		{"missing set", missingAnswer, false},
		{"mismatched end tag", strings.Replace(vcsimAnswer, "</version>", "</versio>", 1), false},
		{"CDATA", strings.Replace(vcsimAnswer, "web-94", "<![CDATA[web-94]]>", 1), false},
		{"unknown entity", strings.Replace(vcsimAnswer, "web-94", "web&nbsp;94", 1), false},
		{"text before the envelope", "0" + vcsimAnswer[strings.Index(vcsimAnswer, "soapenv:Envelope"):], false},
		{"a processing instruction", strings.Replace(vcsimAnswer, `<?xml version="1.0" encoding="UTF-8"?>`, "<?>", 1), false},
		{"xsi declared empty", strings.Replace(vcenterAnswer, `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`, `xmlns:xsi=""`, 1), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			fast, fastErr, slow, slowErr := DecodeUpdateSetsForTest([]byte(c.body))
			if (fastErr == nil) != c.fast {
				t.Fatalf("fast path: %v, want it to read the answer: %v", fastErr, c.fast)
			}
			if fastErr != nil {
				return
			}
			if slowErr != nil || slow.Res == nil {
				t.Fatalf("govmomi: %v", slowErr)
			}
			if !reflect.DeepEqual(fast, slow.Res.Returnval) {
				t.Errorf("fast path:\n%#v\ngovmomi:\n%#v", fast, slow.Res.Returnval)
			}
		})
	}
	// A structured value inside a plain answer is read by govmomi, the rest by the fast path.
	fast, err, _, _ := DecodeUpdateSetsForTest([]byte(vcenterAnswer))
	if err != nil {
		t.Fatal(err)
	}
	mounts, ok := fast.FilterSet[0].ObjectSet[1].ChangeSet[1].Val.(types.ArrayOfDatastoreHostMount)
	if !ok || len(mounts.DatastoreHostMount) != 1 || mounts.DatastoreHostMount[0].Key.Value != "host-9" {
		t.Errorf("host mounts: %#v", fast.FilterSet[0].ObjectSet[1].ChangeSet[1].Val)
	}
	// A fault reaches the caller as govmomi's SOAP fault error.
	var res methods.WaitForUpdatesExBody
	err = decodeWaitForUpdatesEx([]byte(faultAnswer), types.TypeFunc(), nil, &res)
	if !soap.IsSoapFault(err) {
		t.Fatalf("fault: %v", err)
	}
	if _, ok := soap.ToSoapFault(err).VimFault().(types.NotAuthenticated); !ok {
		t.Errorf("fault: %#v", soap.ToSoapFault(err).VimFault())
	}
}

// FuzzDecodeUpdateSet holds the fast path to govmomi's decoder: it never panics, and whatever
// it reads, govmomi reads the same.
func FuzzDecodeUpdateSet(f *testing.F) {
	for _, s := range []string{vcenterAnswer, vcsimAnswer, noChange, faultAnswer, missingAnswer,
		// Inputs the fuzzer found the fast path too lenient on, once.
		"0soapenv:Envelope><soapenv:Body><WaitForUpdatesExResponse></WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>",
		`<?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><WaitForUpdatesExResponse></WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>`,
		`<?xml version="1.0" encoding="UTF-8"?> <soapenv:Envelope 0000000000000="0" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"000000:0=""> <soapenv:Body><WaitForUpdatesExResponse></WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>`,
		`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi=""><soapenv:Body><WaitForUpdatesExResponse><returnval><filterSet><objectSet><changeSet><val xsi:type="long">0</val></changeSet></objectSet></filterSet></returnval></WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, fastErr, slow, slowErr := DecodeUpdateSetsForTest(body)
		if fastErr != nil {
			return
		}
		if slowErr != nil {
			t.Fatalf("the fast path read what govmomi refuses (%v):\n%q", slowErr, body)
		}
		if slow.Res == nil || slow.Fault() != nil {
			t.Fatalf("the fast path read a fault or no answer:\n%q", body)
		}
		if !reflect.DeepEqual(fast, slow.Res.Returnval) {
			t.Fatalf("fast path:\n%#v\ngovmomi:\n%#v\nbody:\n%q", fast, slow.Res.Returnval, body)
		}
	})
}
